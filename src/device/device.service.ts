// The terminal protocol's use cases: enrolment, credential checks, heartbeats, commands.
import { randomUUID } from 'node:crypto';
import type { Executor } from '../db/database.ts';
import { fromCatalogue, invalidField, notFound } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { decodeSeqCursor, toPage } from '../shared/paging.ts';
import { bearer, hashSecret, newEnrolmentCode, newToken, normaliseEnrolmentCode } from '../shared/secrets.ts';
import type { Clock } from '../shared/time.ts';
import { toCommand, type DeviceRepository } from './device.repository.ts';
import type { EnrolmentRepository } from './enrolment.repository.ts';
import { heartbeatKey, toStoredHeartbeat, type DesiredMode, type QueuedHeartbeat, type WrittenBatch } from './heartbeat-batch.ts';
import type { INTERNAL_COMMAND_TYPES } from './device.schemas.ts';
import type { Command, CommandInput, CommandResultInput, EnrolmentCodeInput, EnrolRequest, EnrolResponse, HeartbeatAnswer, HeartbeatHistoryQuery, HeartbeatReport } from './device.schemas.ts';
import { HeartbeatWriter } from './heartbeat-writer.ts';
import type { HeartbeatStore } from './heartbeat-thread.ts';
import { CredentialCache } from './credential-cache.ts';
import type { RevocationsHeard } from '../shared/revocable-cache.ts';
import { CredentialLookups } from './credential-lookups.ts';
import { fingerprintText } from '../shared/terminal-security.ts';

/** An enrolment repeated this soon with the same code is the terminal retrying (its answer was lost). */
const ENROLMENT_RETRY_MS = 10 * 60_000;

/**
 * Told about every written batch of heartbeats; answers each terminal's desired mode. One answer, so
 * given to the constructor (the composition root combines diagnostics, maintenance and rollouts in it),
 * and the protocol depends on none of them.
 */
export type ModeSource = (batch: QueuedHeartbeat[], stored: Set<string>) => Promise<Map<string, DesiredMode>>;

/** Answers a terminal's effective configuration hash from memory and notes the one it reports applying. */
export type ConfigurationSource = (terminalId: string, report: HeartbeatReport['configuration']) => HeartbeatAnswer['configuration'];

/** Answers a terminal's care version, next planned maintenance and notices to the shop from memory (the merchant's side). */
export type MerchantSource = (terminalId: string) => Pick<HeartbeatAnswer, 'care' | 'nextMaintenance' | 'notices'>;
/**
 * Security's look at a heartbeat before it is stored, from memory: throws an AppError to refuse it
 * (another hardware fingerprint, key material); answers a fingerprint to bind to a terminal enrolled
 * before fingerprints. Given to the constructor, so the protocol depends on no security code.
 */
export type HeartbeatGuard = (terminalId: string, report: HeartbeatReport, seen: { sourceAddress: string | undefined; boundFingerprint: string | null }) => { bindFingerprint?: string } | undefined;

export interface DeviceSettings {
  heartbeatIntervalSeconds: number;
  offlineAfterMs: number;
}

export class DeviceService {
  /** Where heartbeat batches are written (the bench measures the group commit through it). */
  readonly store: HeartbeatStore;
  private readonly writer: HeartbeatWriter<WrittenBatch & { modes: Promise<Map<string, DesiredMode>> }>;
  /** The answers of the batch before: answers are worked out one batch at a time, in order. */
  private answering: Promise<unknown> = Promise.resolve();
  private readonly credentials: CredentialCache;
  /** Credentials the cache does not hold, looked up together (one query per turn of the event loop). */
  private readonly credentialLookups: CredentialLookups;

  constructor(
    private readonly repo: DeviceRepository,
    private readonly enrolments: EnrolmentRepository,
    private readonly clock: Clock,
    private readonly settings: DeviceSettings,
    private readonly modeSource?: ModeSource,
    /** Terminal configuration: answers the effective hash and notes the applied one (synchronous, in memory). */
    private readonly configurationSource?: ConfigurationSource,
    /** The merchant's side: care version and next maintenance (synchronous, in memory). */
    private readonly merchantSource?: MerchantSource,
    /** The SQLite writer thread (src/device/heartbeat-thread.ts); else batches are written by this thread. */
    store?: HeartbeatStore,
    private readonly guard?: HeartbeatGuard,
    /** Whether every credential revocation reaches this process now: cached credentials are trusted long then, 5 s otherwise. */
    revocationsHeard: RevocationsHeard = () => false,
  ) {
    this.credentials = new CredentialCache(revocationsHeard);
    this.credentialLookups = new CredentialLookups((hashes) => this.repo.terminalsForCredentials(hashes));
    this.store = store ?? {
      write: (batch) => this.repo.writeHeartbeats(batch.map(toStoredHeartbeat)),
      forgetVersions: (terminalId) => this.repo.forgetVersions(terminalId),
      close: async () => {},
    };
    this.writer = new HeartbeatWriter(async (batch) => {
      const written = await this.store.write(batch);
      // The writer goes on to the next batch while this one's answers are worked out (reads, and the rules).
      const modes = this.answering.then(() => this.modeSource?.(batch, written.stored) ?? new Map<string, DesiredMode>());
      this.answering = modes.catch(() => undefined);
      return { ...written, modes };
    });
  }

  /** A version a terminal confirmed installing without a heartbeat (hawkBit): recorded as a heartbeat's would be. */
  async recordInstalled(trx: Executor, terminalId: string, kind: 'application' | 'firmware', version: string, at: string): Promise<void> {
    await this.repo.recordInstalled(trx, terminalId, kind, version, at);
    this.store.forgetVersions(terminalId);
  }

  // ---- enrolment
  async createEnrolmentCode(input: EnrolmentCodeInput, createdBy: string) {
    let terminalId: string | null = null;
    if (input.serialNumber) {
      const terminal = await this.enrolments.terminalBySerial(input.serialNumber);
      if (!terminal || terminal.deleted_at) throw invalidField('serialNumber', 'device.serial_unknown', { serial: input.serialNumber });
      terminalId = terminal.id;
    }
    if (input.siteId && !(await this.enrolments.siteExists(input.siteId))) {
      throw invalidField('siteId', 'common.not_found', { what: 'site', id: input.siteId });
    }
    if (input.modelId && !(await this.enrolments.modelExists(input.modelId))) {
      throw invalidField('modelId', 'common.not_found', { what: 'terminal_model', id: input.modelId });
    }
    const code = newEnrolmentCode();
    const now = this.clock();
    const row = {
      id: randomUUID(), code_hash: hashSecret(normaliseEnrolmentCode(code)), terminal_id: terminalId, site_id: input.siteId ?? null,
      model_id: input.modelId ?? null, uses_left: input.uses ?? 1,
      expires_at: new Date(now.getTime() + (input.expiresInMinutes ?? 1440) * 60_000).toISOString(),
      created_at: now.toISOString(), created_by: createdBy,
    };
    await this.enrolments.insertCode(row);
    return { id: row.id, code, terminalId, siteId: row.site_id, modelId: row.model_id, usesLeft: row.uses_left, expiresAt: row.expires_at };
  }

  /**
   * A terminal trades a one-time code for its own credential. A code bound to a serial enrols only
   * that terminal; an unbound code enrols a pre-registered serial or, if it names a model, registers
   * a new one. Enrolling again replaces (revokes) the terminal's previous credential.
   */
  async enrol(request: EnrolRequest): Promise<EnrolResponse> {
    const now = this.clock().toISOString();
    const credential = newToken('pft');
    const terminalId = await this.enrolments.enrolInTransaction(async (tx) => {
      const code = await tx.codeByHash(hashSecret(normaliseEnrolmentCode(request.code)));
      if (!code) throw fromCatalogue('unauthenticated', 'device.code_unknown');
      if (code.expires_at <= now) throw fromCatalogue('unauthenticated', 'device.code_expired');
      let terminal = await tx.terminalBySerial(request.serialNumber);
      if (code.terminal_id && code.terminal_id !== terminal?.id) throw fromCatalogue('forbidden', 'device.code_other_terminal');
      if (request.hardware && request.hardware.serial !== request.serialNumber) throw invalidField('hardware.serial', 'device.hardware_serial_mismatch');
      if (terminal?.deleted_at) throw fromCatalogue('forbidden', 'device.terminal_removed', { serial: request.serialNumber });
      // A terminal whose answer was lost sends the same enrolment again (its own random requestId, which
      // nobody else saw): that is a retry, not a second use of the code.
      const retry = !!terminal && !!request.requestId
        && await tx.enrolledWithRequest(terminal.id, request.requestId, new Date(Date.parse(now) - ENROLMENT_RETRY_MS).toISOString());
      if (!retry && code.uses_left <= 0) throw fromCatalogue('unauthenticated', 'device.code_used');
      if (!terminal) {
        if (!code.model_id) throw fromCatalogue('not_found', 'device.serial_not_registered', { serial: request.serialNumber }, { field: 'serialNumber' });
        const components = await tx.modelComponents(code.model_id);
        terminal = { id: randomUUID(), deleted_at: null, site_id: code.site_id, status: code.site_id ? 'active' : 'in_stock' };
        await tx.insertTerminal({
          id: terminal.id, serial_number: request.serialNumber, model_id: code.model_id, site_id: code.site_id, status: terminal.status,
          app_version: null, firmware_version: null, components, network_type: null, created_at: now, updated_at: now, deleted_at: null,
        });
      } else if (!terminal.site_id && code.site_id) {
        await tx.placeTerminal(terminal.id, code.site_id, now);
      }
      // Terminals enrolling together each take one use, and the last use goes once.
      if (!retry && !(await tx.useCode(code.id))) throw fromCatalogue('unauthenticated', 'device.code_used');
      // Enrolling again revokes the terminal's other credentials; a retry's requests may be answered in
      // any order, so the credentials of this one enrolment all stay valid (its requestId is the terminal's secret).
      await tx.revokeOtherCredentials(terminal.id, now, retry ? request.requestId : undefined);
      await tx.insertCredential({ id: randomUUID(), terminal_id: terminal.id, token_hash: hashSecret(credential), created_at: now, revoked_at: null, enrolment_request_id: request.requestId ?? null,
        hardware_fingerprint: request.hardware ? fingerprintText(request.hardware) : null });
      return terminal.id;
    });
    this.credentials.forgetTerminal(terminalId);
    return { terminalId, credential, heartbeatIntervalSeconds: this.settings.heartbeatIntervalSeconds, lastSeq: await this.repo.lastSeq(terminalId) };
  }

  /** The terminal a device credential belongs to; 401 for unknown, revoked or deleted ones. */
  async authenticate(header: string | undefined): Promise<string> {
    const token = bearer(header);
    if (!token) throw fromCatalogue('unauthenticated', 'device.credential_required');
    return this.terminalOfCredential(token);
  }

  /** The terminal a credential belongs to (cached: src/device/credential-cache.ts), or 401. Shared with the hawkBit API's TargetToken. */
  async terminalOfCredential(token: string): Promise<string> {
    const hash = hashSecret(token);
    const cached = this.credentials.get(hash, this.clock().getTime());
    if (cached) return cached;
    const ticket = this.credentials.ticket();
    const found = await this.credentialLookups.owner(hash);
    if (!found) throw fromCatalogue('unauthenticated', 'device.credential_unknown');
    this.credentials.set(hash, found.terminal_id, this.clock().getTime(), ticket, found.hardware_fingerprint);
    return found.terminal_id;
  }

  async revokeCredentials(terminalId: string): Promise<number> {
    const revoked = await this.enrolments.revokeCredentials(terminalId, this.clock().toISOString());
    this.credentials.forgetTerminal(terminalId);
    return revoked;
  }

  forgetTerminal(terminalId: string): void {
    this.credentials.forgetTerminal(terminalId);
  }

  /** Another node may have revoked any credential while this one was not told: ask the database again. */
  forgetAllCredentials(): void {
    this.credentials.clear();
  }

  // ---- heartbeats
  async heartbeat(terminalId: string, report: HeartbeatReport, sourceAddress?: string): Promise<HeartbeatAnswer> {
    if (this.guard) {
      // Cached with the credential the request was authenticated with: no query but for a forgotten one.
      const cached = this.credentials.fingerprintOf(terminalId);
      const boundFingerprint = cached === undefined ? await this.repo.boundFingerprint(terminalId) : cached;
      const bind = this.guard(terminalId, report, { sourceAddress, boundFingerprint })?.bindFingerprint;
      if (bind && await this.repo.bindFingerprint(terminalId, bind)) this.credentials.bindFingerprint(terminalId, bind);
      else if (bind) {
        // Bound meanwhile (through another node, whose cache this one does not share): judged by the bound one.
        this.credentials.forgetTerminal(terminalId);
        this.guard(terminalId, report, { sourceAddress, boundFingerprint: await this.repo.boundFingerprint(terminalId) });
      }
    }
    const receivedAt = this.clock().toISOString();
    const outcome = await this.writer.submit({ terminalId, report, receivedAt });
    const desired = (await outcome.modes).get(terminalId);
    return {
      seq: report.seq,
      duplicate: !outcome.stored.has(heartbeatKey(terminalId, report.seq)),
      mode: desired?.mode ?? 'normal',
      reason: desired?.reason ?? null,
      maintenance: desired?.maintenance ?? null,
      deployment: desired?.deployment ?? null,
      commands: outcome.commandsByTerminal.get(terminalId) ?? [],
      configuration: this.configurationSource?.(terminalId, report.configuration) ?? null,
      ...this.merchantSource?.(terminalId),
      heartbeatIntervalSeconds: this.settings.heartbeatIntervalSeconds,
      serverTime: receivedAt,
    };
  }

  async health(terminalId: string) {
    await this.requireTerminal(terminalId);
    const row = await this.repo.health(terminalId);
    if (!row) throw notFound('heartbeat of terminal', terminalId);
    const onlineSince = new Date(this.clock().getTime() - this.settings.offlineAfterMs).toISOString();
    return {
      terminalId, seq: Number(row.seq), online: row.last_seen_at >= onlineSince, lastSeenAt: row.last_seen_at,
      offlineSince: row.offline_since, report: parseJson<unknown>(row.report, null),
    };
  }

  async history(terminalId: string, query: HeartbeatHistoryQuery) {
    await this.requireTerminal(terminalId);
    const limit = query.limit ?? 100;
    const beforeSeq = decodeSeqCursor(query.cursor);
    const rows = await this.repo.history(terminalId, { limit, beforeSeq, from: query.from, to: query.to });
    return toPage(rows, limit, (r) => String(r.seq));
  }

  /** Records online → offline transitions; run by the offline sweep job. */
  async sweepOffline(): Promise<string[]> {
    const now = this.clock();
    return this.repo.markOffline(new Date(now.getTime() - this.settings.offlineAfterMs).toISOString(), now.toISOString());
  }

  // ---- commands
  /**
   * Queues a command for the terminal's next heartbeat. Idempotent while it waits: the same command
   * (type and payload) asked again before the terminal fetched it is the one already queued (`created`
   * false), so a double click or a retried request does not reboot a terminal twice.
   */
  async queueCommand(terminalId: string, input: CommandInput, createdBy: string): Promise<Command> {
    return (await this.queueCommandOnce(terminalId, input, createdBy)).command;
  }

  async queueCommandOnce(terminalId: string, input: CommandInput | { type: (typeof INTERNAL_COMMAND_TYPES)[number]; payload?: Record<string, unknown> }, createdBy: string): Promise<{ command: Command; created: boolean }> {
    await this.requireTerminal(terminalId);
    const payload = JSON.stringify(input.payload ?? {});
    const waiting = await this.repo.findPendingCommand(terminalId, input.type, payload);
    if (waiting) return { command: toCommand(waiting), created: false };
    const row = {
      id: randomUUID(), terminal_id: terminalId, type: input.type, payload, status: 'pending' as const,
      created_at: this.clock().toISOString(), created_by: createdBy, delivered_at: null, completed_at: null, result: null,
    };
    await this.repo.insertCommand(row);
    return { command: toCommand(row), created: true };
  }

  /** A terminal reports a command's result. Idempotent: a retry after completion changes nothing. */
  async completeCommand(terminalId: string, commandId: string, input: CommandResultInput) {
    const command = await this.repo.findCommand(commandId);
    if (!command || command.terminal_id !== terminalId) throw notFound('command', commandId);
    await this.repo.completeCommand(commandId, input.status, JSON.stringify(input.output ?? {}), this.clock().toISOString());
    return toCommand((await this.repo.findCommand(commandId))!);
  }

  /** One command of this terminal (undefined when it is another's or none). */
  async findCommand(terminalId: string, commandId: string): Promise<Command | undefined> {
    const row = await this.repo.findCommand(commandId);
    return row && row.terminal_id === terminalId ? toCommand(row) : undefined;
  }

  async listCommands(terminalId: string) {
    await this.requireTerminal(terminalId);
    return this.repo.listCommands(terminalId);
  }

  private async requireTerminal(terminalId: string) {
    if (!(await this.enrolments.terminalExists(terminalId))) throw notFound('terminal', terminalId);
  }
}
