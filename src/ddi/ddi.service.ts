// The hawkBit DDI API mapped onto PosFleet: a device is an enrolled terminal (controllerId = its serial
// number, TargetToken = its credential), a deployment is its rollout action, and the device's feedback
// moves both the action and the maintenance job that holds the terminal out of service. The window is
// open to the device (`maintenanceWindow: available`, `update: forced`) only while that job runs, so a
// hawkBit client installs under the same windows and continuity rule as a PosFleet terminal.
import { createHash } from 'node:crypto';
import { FLEET } from '../access/roles.ts';
import type { DeviceService } from '../device/device.service.ts';
import { OUT_OF_SERVICE, WAITING, type JobState } from '../shared/job-states.ts';
import type { JobLifecycle } from '../maintenance/job-lifecycle.service.ts';
import type { MaintenanceService } from '../maintenance/maintenance.service.ts';
import type { DeploymentsService } from '../rollouts/deployments.service.ts';
import { reportsVersion } from '../rollouts/installed-version.ts';
import type { DeploymentHint } from '../rollouts/rollouts.schemas.ts';
import { fromCatalogue, notFound, refused } from '../shared/errors.ts';
import { said, type Said } from '../shared/messages/said.ts';
import type { Clock } from '../shared/time.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { actionStateOf, chunkPart, pollingSleep, targetToken, type DdiExecution, type DdiFinished } from './ddi-mapping.ts';
import type { DdiRepository } from './ddi.repository.ts';

export interface DdiSettings {
  tenant: string;
  pollSeconds: number;
}

export interface DdiFeedback {
  id?: string | undefined;
  status: { execution: DdiExecution; result: { finished: DdiFinished; progress?: { cnt: number; of?: number } | undefined }; details?: string[] | undefined };
}

const HAWKBIT = 'PosFleet hawkBit API';

/** A poll moves the terminal's last contact at most this often: a write per poll would cost more than a heartbeat. */
const TOUCH_EVERY_MS = 15_000;
/** How long a terminal's serial number is remembered for checking the controllerId (as credentials are cached). */
const SERIAL_TTL_MS = 30_000;
/** Polling controllers each per-controller cache remembers (a forgotten one costs a query at its next poll). */
const CONTROLLERS_MAX = 200_000;

export class DdiService {
  /** Controllers whose last contact moved in the last TOUCH_EVERY_MS. */
  private readonly touched = new TtlCache<string, true>(CONTROLLERS_MAX, TOUCH_EVERY_MS);
  private readonly serials = new TtlCache<string, string>(CONTROLLERS_MAX, SERIAL_TTL_MS);
  /** Terminals whose attributes are up to date, trusted for a while (another node may have finished an update). */
  private readonly configured = new TtlCache<string, true>(CONTROLLERS_MAX, TOUCH_EVERY_MS);
  /** Controllers found with no cancellation to confirm, not asked again for a while. */
  private readonly noCancel = new TtlCache<string, true>(CONTROLLERS_MAX, TOUCH_EVERY_MS);
  /** The polls of one event-loop turn, whose deployments are looked up together (see hintOf). */
  private hintBatch: { terminalIds: Set<string>; hints: Promise<Map<string, DeploymentHint>> } | undefined;

  constructor(
    private readonly repo: DdiRepository,
    private readonly clock: Clock,
    private readonly device: DeviceService,
    private readonly deployments: DeploymentsService,
    private readonly maintenance: Pick<MaintenanceService, 'job' | 'operatorMove'>,
    /** The device's feedback moves its job as a terminal's step report would. */
    private readonly jobs: Pick<JobLifecycle, 'report'>,
    readonly settings: DdiSettings,
  ) {}

  /**
   * The terminal behind the TargetToken; it must be the controller named in the URL. The tenant is
   * matched ignoring case, as hawkBit does (SWUpdate's examples say `default`). Another controller's
   * token is answered exactly like an unknown one: the answer must not tell whose token it is.
   */
  async authenticate(tenant: string, controllerId: string, authorization: string | undefined): Promise<string> {
    if (tenant.toLowerCase() !== this.settings.tenant.toLowerCase()) throw notFound('tenant', tenant);
    const token = targetToken(authorization);
    if (!token) throw fromCatalogue('unauthenticated', 'ddi.target_token_required');
    const terminalId = await this.device.terminalOfCredential(token);
    const serial = await this.serialOf(terminalId);
    if (serial !== controllerId) throw fromCatalogue('unauthenticated', 'device.credential_unknown');
    return terminalId;
  }

  /**
   * A terminal's offered deployment. Polls arriving in the same event-loop turn share one query, as
   * heartbeats of one group commit do: one lookup per poll would cost a poll more than a heartbeat.
   */
  private async hintOf(terminalId: string): Promise<DeploymentHint | undefined> {
    if (!this.hintBatch) {
      const terminalIds = new Set<string>();
      const hints = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.hintBatch = undefined;
        return this.deployments.hints([...terminalIds]);
      });
      this.hintBatch = { terminalIds, hints };
    }
    this.hintBatch.terminalIds.add(terminalId);
    return (await this.hintBatch.hints).get(terminalId);
  }

  private async serialOf(terminalId: string): Promise<string> {
    const now = this.clock().getTime();
    const cached = this.serials.get(terminalId, now);
    if (cached !== undefined) return cached;
    const terminal = await this.repo.terminal(terminalId);
    if (!terminal || terminal.deleted_at) throw fromCatalogue('unauthenticated', 'device.credential_unknown');
    this.serials.set(terminalId, terminal.serial_number, now);
    return terminal.serial_number;
  }

  /** The polling answer: when to ask again, and links to what the device should fetch or send. */
  async poll(terminalId: string, base: string) {
    await this.touch(terminalId);
    const hint = await this.hintOf(terminalId);
    const links: Record<string, { href: string }> = {};
    // Offered only once its window is open: hawkBit clients such as SWUpdate install whatever they are
    // given at once (they ignore maintenanceWindow) and report a skipped one as a success.
    if (hint?.installAllowed) {
      // hawkBit's `c` parameter changes whenever the deployment does, so a client refetches it.
      const change = createHash('sha256').update(`${hint.actionId}|${hint.state}|${hint.installAllowed}`).digest().readInt32BE(0);
      links.deploymentBase = { href: `${base}/deploymentBase/${hint.actionId}?c=${change}` };
    }
    const cancelled = await this.cancelToConfirm(terminalId);
    if (cancelled !== undefined) links.cancelAction = { href: `${base}/cancelAction/${cancelled}` };
    if (!(await this.hasConfigData(terminalId))) links.configData = { href: `${base}/configData` };
    return { config: { polling: { sleep: pollingSleep(this.settings.pollSeconds) } }, _links: links };
  }

  async deploymentBase(terminalId: string, actionId: number, base: string) {
    const deployment = await this.deployments.deployment(terminalId, actionId);
    if (!['scheduled', 'downloading', 'downloaded', 'installing', 'installed'].includes(deployment.state)) throw notFound('deployment', String(actionId));
    const pkg = deployment.package;
    const row = await this.repo.packageHashes(pkg.id);
    const href = `${base}/softwaremodules/${pkg.id}/artifacts/${encodeURIComponent(pkg.fileName)}`;
    return {
      id: String(actionId),
      deployment: {
        download: 'forced',
        // Outside its window the device may download but not install (hawkBit: update "skip").
        update: deployment.installAllowed ? 'forced' : 'skip',
        maintenanceWindow: deployment.installAllowed ? 'available' : 'unavailable',
        chunks: [{
          part: chunkPart(pkg.kind), version: pkg.version, name: pkg.name,
          artifacts: [{
            filename: pkg.fileName, hashes: { sha1: row.sha1 ?? '', md5: row.md5 ?? '', sha256: pkg.sha256 }, size: pkg.size,
            _links: { download: { href }, 'download-http': { href }, md5sum: { href: `${href}.MD5SUM` }, 'md5sum-http': { href: `${href}.MD5SUM` } },
          }],
        }],
      },
      actionHistory: { status: deployment.state, messages: [] as string[] },
    };
  }

  /**
   * Stores the feedback (a repeated `id` is recognised) and moves the action; the maintenance job
   * follows: an install under way has the terminal in maintenance, success completes the job, failure
   * fails it (the device keeps the version it had).
   */
  async feedback(terminalId: string, actionId: number, body: DdiFeedback) {
    const action = await this.deployments.terminalAction(terminalId, actionId);
    const job = action.maintenance_job_id ? await this.maintenance.job(action.maintenance_job_id) : undefined;
    const installAllowed = !!job && OUT_OF_SERVICE.includes(job.state);
    const details = body.status.details ?? [];
    const mapped = actionStateOf(body.status.execution, body.status.result.finished, installAllowed, details);
    // Every message is stored; one that means nothing new is stored against the state the action is in.
    // DDI's feedback `id` is the action's, not the message's, so it cannot tell a retry: the states do.
    const answer = await this.deployments.record(actionId, {
      reportId: null, status: mapped?.state ?? action.state, body, source: 'ddi',
      reason: mapped?.state === 'failed' ? failureOf(body.status.execution, details) : null,
      // A hawkBit device sends no heartbeat: its confirmation is what says the version is installed.
      succeeded: async (trx, _action, pkg, at) => {
        if (reportsVersion(pkg.kind)) await this.device.recordInstalled(trx, terminalId, pkg.kind, pkg.version, at);
      },
    });
    if (answer.changed && answer.state === 'succeeded') this.configured.delete(terminalId);
    if (job && mapped) await this.followJob(terminalId, job.id, job.state, mapped.state, details);
    return answer;
  }

  /**
   * A device is asked for its attributes until it sent them, and again after each update it confirmed
   * (its hardware revision or installed software may have changed), as hawkBit does. Remembered for a
   * while so a poll costs no query for it.
   */
  private async hasConfigData(terminalId: string): Promise<boolean> {
    if (this.configured.has(terminalId, this.clock().getTime())) return true;
    const upToDate = await this.repo.configDataCurrent(terminalId);
    if (upToDate) this.configured.set(terminalId, true, this.clock().getTime());
    return upToDate;
  }

  /**
   * The device's last cancelled action it had heard of, until it confirms the cancellation. Looked up at
   * most every TOUCH_EVERY_MS per device (a cancellation waits that long at most), not at every poll.
   */
  private async cancelToConfirm(terminalId: string): Promise<number | undefined> {
    const now = this.clock().getTime();
    if (this.noCancel.has(terminalId, now)) return undefined;
    const actionId = await this.repo.cancelToConfirm(terminalId);
    // A pending cancellation is asked about at every poll until it is confirmed.
    if (actionId === undefined) this.noCancel.set(terminalId, true, now);
    return actionId;
  }

  async cancelAction(terminalId: string, actionId: number) {
    const action = await this.deployments.terminalAction(terminalId, actionId);
    if (action.state !== 'cancelled') throw notFound('cancel action', String(actionId));
    return { id: String(actionId), cancelAction: { stopId: String(actionId) } };
  }

  /** The device confirms (or refuses) a cancellation: stored, and the link goes away. */
  async cancelFeedback(terminalId: string, actionId: number, body: DdiFeedback) {
    const action = await this.deployments.terminalAction(terminalId, actionId);
    return this.deployments.record(actionId, { reportId: null, status: action.state, body, source: 'ddi-cancel' });
  }

  private async followJob(terminalId: string, jobId: string, jobState: JobState, state: string, details: string[]): Promise<void> {
    const note = details.join('; ').slice(0, 1000) || undefined;
    const step = (to: JobState, extra: { selfTests?: { name: string; passed: boolean; detail?: string }[] } = {}) =>
      this.jobs.report(terminalId, jobId, { state: to, ...extra, ...(note && { note }) });
    if (WAITING.includes(jobState)) {
      // The device went ahead outside its window: the job has nothing left to hold.
      if (state === 'succeeded' || state === 'failed' || state === 'cancelled') {
        await this.maintenance.operatorMove(jobId, 'aborted', `the hawkBit device ended the update itself (${state}) before its window`, FLEET, HAWKBIT);
      }
      return;
    }
    let current: JobState = jobState;
    if (current === 'draining' && ['installing', 'succeeded', 'failed'].includes(state)) current = (await step('in_maintenance')).state;
    if (state === 'succeeded' && (current === 'in_maintenance' || current === 'restarting')) {
      await step('verifying', { selfTests: [{ name: 'hawkBit device update', passed: true, ...(note && { detail: note }) }] });
    } else if (state === 'failed' && OUT_OF_SERVICE.includes(current)) {
      await step('failed');
      await step('rolled_back');
    }
  }

  /**
   * Stores the device's attributes. Written only over the attributes it was computed from, and read
   * again when another request got there first (two first PUTs at once): no request fails and none is lost.
   */
  async putConfigData(terminalId: string, body: { mode?: 'merge' | 'replace' | 'remove' | undefined; data: Record<string, string> }) {
    const mode = body.mode ?? 'merge';
    for (let attempt = 0; attempt < 10; attempt++) {
      const at = this.clock().toISOString();
      const stored = await this.repo.configData(terminalId);
      const current = stored !== undefined ? (JSON.parse(stored) as Record<string, string>) : {};
      const next = mode === 'replace' ? body.data : mode === 'remove' ? Object.fromEntries(Object.entries(current).filter(([k]) => !(k in body.data))) : { ...current, ...body.data };
      const attributes = JSON.stringify(next);
      if (attributes.length > 64 * 1024) throw fromCatalogue('payload_too_large', 'ddi.attributes_too_large', { max: 64 }, { field: 'data' });
      if (await this.repo.writeConfigData(terminalId, stored, attributes, at)) {
        this.configured.set(terminalId, true, this.clock().getTime());
        return;
      }
    }
    throw refused('ddi.attributes_changing', {}, { retryable: true });
  }

  /** A poll shows the device is alive: its last contact moves, as a heartbeat's would. */
  private async touch(terminalId: string): Promise<void> {
    const now = this.clock();
    if (this.touched.has(terminalId, now.getTime())) return;
    this.touched.set(terminalId, true, now.getTime());
    await this.repo.touch(terminalId, now.toISOString());
  }
}

/** Why a device's feedback failed its install, as the catalogue's sentence: rejected or failed, with the device's own details. */
function failureOf(execution: DdiExecution, details: readonly string[]): Said {
  const how = execution === 'rejected' ? 'rejected' : 'failed';
  return details.length ? said('rollouts.action.device_failed_details', { how, details: details.join('; ').slice(0, 1000) }) : said('rollouts.action.device_failed', { how });
}
