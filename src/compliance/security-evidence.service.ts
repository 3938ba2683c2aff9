// Loads the security-in-depth evidence of the PCI DSS report (security-evidence.ts decides), and keeps
// the training records of sites (9.5.1.3): who was trained to detect tampering and substitution, when.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { TrainingRecordTable, TrainingTopic } from '../db/schema.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { invalidField } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import type { KeyInventorySource } from '../shared/key-inventory.ts';
import type { Clock } from '../shared/time.ts';
import type { DeviceRow } from './compliance.rules.ts';
import type { TrainingInput } from './compliance.schemas.ts';
import { TRAINING_VALID_DAYS, type AuditFacts, type SecurityEvidenceInput } from './security-evidence.ts';
import type { SecurityEvidenceRepository } from './security-evidence.repository.ts';

const DAY_MS = 86_400_000;

export interface AuditChain {
  verify(): Promise<{ ok: true; entries: number } | { ok: false; seq: number; problem: string }>;
}

export class SecurityEvidenceService {
  constructor(
    private readonly repo: SecurityEvidenceRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateService, 'getSite'>,
    private readonly audit: AuditChain,
    private readonly keys: KeyInventorySource,
    private readonly settings: { auditRetentionDays: number },
  ) {}

  /** The evidence about the report's terminals (already narrowed to the caller's scope). */
  async load(devices: DeviceRow[], scope: Scope): Promise<SecurityEvidenceInput> {
    const now = this.clock();
    const since = new Date(now.getTime() - TRAINING_VALID_DAYS * DAY_MS).toISOString().slice(0, 10);
    const [unpatched, models, training, facts, chain, keys] = await Promise.all([
      this.repo.unpatchedIncidents(), this.repo.models(), this.repo.trainingBySite(since),
      this.repo.auditFacts(new Date(now.getTime() - 30 * DAY_MS).toISOString()), this.audit.verify(), this.keys.keyInventory(scope),
    ]);
    const sites = new Map<string, { id: string; code: string; name: string }>();
    for (const d of devices) if (d.status === 'active' && d.siteId) sites.set(d.siteId, { id: d.siteId, code: d.siteCode ?? '', name: d.siteName ?? '' });
    const audit: AuditFacts = {
      entries: facts.entries, oldestAt: facts.oldestAt, retentionDays: this.settings.auditRetentionDays,
      chain: chain.ok ? { ok: true } : { ok: false, seq: chain.seq, problem: chain.problem }, lastReviewAt: facts.lastReviewAt, reviewsLast30Days: facts.reviewsLast30Days,
    };
    return {
      unpatched: unpatched.map((i) => {
        const d = parseJson<{ appVersion?: string; firmwareVersion?: string; latestSecurityPatch?: { application?: string | null; firmware?: string | null } }>(i.detail, {});
        return {
          terminalId: i.terminal_id!, since: i.first_seen_at, appVersion: d.appVersion ?? null, firmwareVersion: d.firmwareVersion ?? null,
          latestApplication: d.latestSecurityPatch?.application ?? null, latestFirmware: d.latestSecurityPatch?.firmware ?? null,
        };
      }),
      models: models.map((m) => ({ id: m.id, vendor: m.vendor, model: m.model, ptsApprovalNumber: m.pts_approval_number, ptsExpiresAt: m.pts_expires_at })),
      sites: [...sites.values()].sort((a, b) => a.code.localeCompare(b.code)).map((s) => ({ ...s, trained: training.get(s.id)?.recent ?? 0, lastTrainedOn: training.get(s.id)?.last ?? null })),
      audit,
      keys,
    };
  }

  // ---- training records (9.5.1.3)
  async listTraining(siteId: string, scope: Scope) {
    const site = await this.estate.getSite(siteId, scope);
    return { items: (await this.repo.trainingOf(site.id)).map(toTraining) };
  }

  async recordTraining(siteId: string, input: TrainingInput, recordedBy: string, scope: Scope) {
    const site = await this.estate.getSite(siteId, scope);
    const today = this.clock().toISOString().slice(0, 10);
    if (input.trainedOn > today) throw invalidField('trainedOn', 'training.date_in_future');
    const row: TrainingRecordTable = {
      id: randomUUID(), site_id: site.id, person_name: input.personName.trim(), trained_on: input.trainedOn, topics: JSON.stringify([...new Set(input.topics)]),
      trainer: input.trainer?.trim() || null, notes: input.notes?.trim() || null, recorded_by: recordedBy, recorded_at: this.clock().toISOString(),
    };
    if (!row.person_name) throw invalidField('personName', 'training.person_required');
    await this.repo.insertTraining(row);
    return toTraining(row);
  }
}

function toTraining(row: TrainingRecordTable) {
  return {
    id: row.id, siteId: row.site_id, personName: row.person_name, trainedOn: row.trained_on, topics: parseJson<TrainingTopic[]>(row.topics, []),
    trainer: row.trainer, notes: row.notes, recordedBy: row.recorded_by, recordedAt: row.recorded_at,
  };
}
