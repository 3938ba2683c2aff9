// Deployments: what a terminal sees of the campaigns, whichever protocol it speaks (PosFleet's
// /device/v1 routes and the hawkBit DDI routes share it): its offered action in each heartbeat answer,
// the package to download, and its feedback, which moves the action only forward.
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { OUT_OF_SERVICE, type JobState } from '../shared/job-states.ts';
import type { MaintenanceService } from '../maintenance/maintenance.service.ts';
import { notFound } from '../shared/errors.ts';
import { english, said, type Said } from '../shared/messages/said.ts';
import { configurationPackageOf } from '../shared/configuration-package.ts';
import type { Clock } from '../shared/time.ts';
import { saidColumns } from './action-reasons.ts';
import { applyFeedback, CLOSED, OFFERED, type ActionState } from './action-states.ts';
import type { CampaignEngine } from './campaign-engine.service.ts';
import type { RolloutSettings } from './campaigns.ts';
import { packageView } from './packages.service.ts';
import type { ActionRow, PackageRow, RolloutsRepository } from './rollouts.repository.ts';
import type { DeploymentHint, DeploymentView, FeedbackInput } from './rollouts.schemas.ts';

export class DeploymentsService {
  constructor(
    private readonly repo: RolloutsRepository,
    private readonly engine: CampaignEngine,
    private readonly maintenance: MaintenanceService,
    private readonly clock: Clock,
    private readonly settings: Pick<RolloutSettings, 'publicUrl'>,
  ) {}

  private now = () => this.clock().toISOString();

  /** For heartbeat answers: each terminal's offered action, if any (one query for the batch). */
  async hints(terminalIds: string[]): Promise<Map<string, DeploymentHint>> {
    // A configuration campaign's action has nothing to download: the terminal fetches its configuration in the job.
    const rows = (await this.repo.actionsOfTerminals(terminalIds, OFFERED)).filter((a) => !configurationPackageOf(a.package_id));
    return new Map(rows.map((a) => [a.terminal_id, { actionId: Number(a.id), state: a.state, installAllowed: OUT_OF_SERVICE.includes(a.job_state as JobState) }]));
  }

  async deployment(terminalId: string, actionId: number): Promise<DeploymentView> {
    const action = await this.terminalAction(terminalId, actionId);
    if (action.state === 'queued' || configurationPackageOf(action.package_id)) throw notFound('deployment', String(actionId));
    const pkg = (await this.repo.package(action.package_id))!;
    const key = await this.repo.key(pkg.key_id);
    const job = action.maintenance_job_id ? await this.maintenance.job(action.maintenance_job_id) : undefined;
    const view = packageView(pkg);
    return {
      actionId: Number(action.id), state: action.state as ActionState, installAllowed: !!job && OUT_OF_SERVICE.includes(job.state), maintenanceJobId: action.maintenance_job_id,
      package: {
        id: view.id, kind: view.kind, name: view.name, version: view.version, fileName: view.fileName, size: view.size, sha256: view.sha256, signature: view.signature,
        keyId: view.keyId, publicKey: key?.public_key ?? '', securityPatch: view.securityPatch, releaseNotes: view.releaseNotes, parametersSha256: view.parametersSha256,
        downloadUrl: `${this.settings.publicUrl}/device/v1/packages/${pkg.id}/content`,
      },
    };
  }

  /** A terminal's report on its action, stored once per report id; it moves the action only forward. */
  async feedback(terminalId: string, actionId: number, input: FeedbackInput, source = 'device') {
    await this.terminalAction(terminalId, actionId);
    return this.record(actionId, { reportId: input.reportId, status: input.status, body: input, source });
  }

  /**
   * Stores a report and applies it. Shared with the hawkBit API, which maps its own statuses first and
   * passes `succeeded`: what else must be written with the action's success, in its transaction (the
   * version the device installed, as it sends no heartbeat to tell).
   */
  async record(actionId: number, report: {
    reportId: string | null; status: ActionState; body: unknown; source: string; reason?: Said | null;
    succeeded?: ((trx: Transaction<Database>, action: ActionRow, pkg: PackageRow, at: string) => Promise<void>) | undefined;
  }) {
    const at = this.now();
    const answer = await this.repo.transaction(async (trx) => {
      const action = (await this.repo.action(actionId, trx))!;
      const effect = applyFeedback(action.state, report.status);
      const row = {
        action_id: actionId, report_id: report.reportId, source: report.source, status: report.status, body: JSON.stringify(report.body),
        effect: effect.change ? `${action.state} → ${effect.to}` : effect.why, received_at: at,
      };
      if (!(await this.repo.insertFeedback(trx, row))) return { actionId, state: action.state, changed: false, effect: 'a repeated report: already recorded' };
      if (!effect.change) return { actionId, state: action.state, changed: false, effect: effect.why };
      const closing = CLOSED.includes(effect.to);
      const why = effect.to === 'failed' ? report.reason ?? said('rollouts.action.terminal_failed') : null;
      const reason = why && english(why);
      if (!(await this.repo.moveAction(trx, actionId, action.state, { state: effect.to, updated_at: at, reason, ...saidColumns(why), ...(closing && { finished_at: at }) }))) {
        return { actionId, state: action.state, changed: false, effect: 'the action changed meanwhile; this report was recorded only' };
      }
      if (effect.to === 'succeeded' && report.succeeded) await report.succeeded(trx, action, (await this.repo.package(action.package_id, trx))!, at);
      return { actionId, state: effect.to, changed: true, effect: row.effect };
    });
    if (answer.changed && CLOSED.includes(answer.state)) await this.engine.actionClosed((await this.repo.action(actionId))!, answer.state);
    return answer;
  }

  /** The terminal's offered action of a configuration campaign, with whether its job has it out of service now. */
  async configurationAction(terminalId: string): Promise<{ actionId: number; packageId: string; campaignId: string; state: ActionState; inJob: boolean } | undefined> {
    const a = (await this.repo.actionsOfTerminals([terminalId], OFFERED)).find((r) => configurationPackageOf(r.package_id));
    return a && { actionId: Number(a.id), packageId: a.package_id, campaignId: a.campaign_id, state: a.state, inJob: OUT_OF_SERVICE.includes(a.job_state as JobState) };
  }

  /** The action, if it is this terminal's: any other is answered as not existing. */
  async terminalAction(terminalId: string, actionId: number): Promise<ActionRow> {
    const action = await this.repo.action(actionId);
    if (!action || action.terminal_id !== terminalId) throw notFound('deployment', String(actionId));
    return action;
  }

  /** A terminal downloads only a package it has an offered action for. */
  async authoriseDownload(terminalId: string, packageId: string): Promise<PackageRow> {
    const offered = await this.repo.actionsOfTerminals([terminalId], OFFERED);
    if (!offered.some((a) => a.package_id === packageId)) throw notFound('package', packageId);
    return (await this.repo.package(packageId))!;
  }

}
