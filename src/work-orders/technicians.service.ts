// Technicians: users with the technician role made assignable, with skills and regions, and who should
// take a work order (ranked by region, skill and load: assignment.ts).
import type { Scope } from '../access/roles.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import { invalidField, orNotFound, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { suggestTechnicians } from './assignment.ts';
import type { WorkOrdersRepository } from './work-orders.repository.ts';

export class TechniciansService {
  constructor(private readonly repo: WorkOrdersRepository, private readonly clock: Clock, private readonly estate: Pick<EstateLookups, 'findSite'>) {}

  async createTechnician(input: { userId: string; skills: string[]; regions: string[] }) {
    const user = await this.repo.user(input.userId);
    if (!user) throw invalidField('userId', 'common.does_not_exist', { what: 'user', id: input.userId });
    if (user.role !== 'technician') throw invalidField('userId', 'work_orders.user_not_technician', { user: user.name });
    if (await this.repo.findTechnician(user.id)) throw refused('work_orders.already_technician', { user: user.name }, { field: 'userId', retryable: false });
    await this.repo.insertTechnician({ id: user.id, name: user.name, skills: JSON.stringify(input.skills), regions: JSON.stringify(input.regions), created_at: this.clock().toISOString() });
    return { id: user.id, name: user.name, skills: input.skills, regions: input.regions, openWorkOrders: 0 };
  }

  async listTechnicians() {
    return {
      items: (await this.repo.techniciansWithLoad()).map((t) => ({
        id: t.id, name: t.name, skills: parseJson<string[]>(t.skills, []), regions: parseJson<string[]>(t.regions, []), openWorkOrders: t.load,
      })),
    };
  }

  async suggest(workOrderId: string, scope: Scope) {
    const order = (await this.repo.findWorkOrder(workOrderId, scope)) ?? orNotFound('work order', workOrderId);
    const site = await this.estate.findSite(order.site_id);
    const candidates = (await this.repo.techniciansWithLoad()).map((t) => ({
      id: t.id, name: t.name, skills: parseJson<string[]>(t.skills, []), regions: parseJson<string[]>(t.regions, []), load: t.load,
    }));
    return { items: suggestTechnicians(candidates, { siteCode: site?.code ?? '', skill: order.required_skill }) };
  }
}
