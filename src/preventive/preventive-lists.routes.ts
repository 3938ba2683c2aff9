// The dashboard's preventive lists and merchants' requests over HTTP: plans with their counts, the due
// tasks across plans (paged, in the caller's scope), the results of remote runs, and work order
// requests that merchant users file for their own sites. Thin: the services decide.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, Items, operatorSecurity, Page } from '../shared/http-schemas.ts';
import type { PlanListsService } from './plan-lists.service.ts';
import { DueListItem, DueListQuery, PlanSummary, RemoteRunsQuery, RemoteRunView } from './preventive.schemas.ts';
import type { RemoteTasksService } from './remote-tasks.service.ts';

const security = operatorSecurity;
const read = { permission: 'workorders:read' } as const;
const pm = ['preventive maintenance'];

export const preventiveListRoutes = (lists: PlanListsService, remote: RemoteTasksService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/preventive/plans', {
    config: read,
    schema: {
      tags: pm, security, operationId: 'listPreventivePlans', summary: 'List preventive maintenance plans', response: { 200: Items(PlanSummary), ...errorResponses },
      description: 'Every plan, newest first, with its tasks counted: overdue (due before now, not ordered), due within 7 days (not ordered) and ordered (covered by a work order).',
    },
  }, () => lists.plans());
  app.get('/preventive/due', {
    config: read,
    schema: {
      tags: pm, security, operationId: 'listDuePreventiveTasks', summary: 'Preventive tasks due', querystring: DueListQuery, response: { 200: Page(DueListItem), ...errorResponses },
      description: "Due tasks across plans by due date (then id), with who does them and why they are due then. Merchant users see their terminals', technicians those of their work orders.",
    },
  }, (req) => lists.due(req.query, req.principal.scope));
  app.get('/preventive/remote-runs', {
    config: read,
    schema: {
      tags: pm, security, operationId: 'listRemotePreventiveRuns', summary: 'Results of remote preventive tasks', querystring: RemoteRunsQuery, response: { 200: Items(RemoteRunView), ...errorResponses },
      description: "Remote tasks run by terminals in their maintenance windows, newest first: the task's checklist results (pass / fail per item) with the terminal's report.",
    },
  }, (req) => remote.runs(req.query, req.principal.scope));
};
