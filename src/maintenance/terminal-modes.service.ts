// A terminal's mode — in service, in maintenance (a job has it out of service), or locked — as every
// heartbeat answer carries it, and the locks: a mode only an operator (or a rule acting for one, such as
// tamper or relocation) sets, and only an operator lifts, with a reason.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { refused } from '../shared/errors.ts';
import type { Clock } from '../shared/time.ts';
import { OUT_OF_SERVICE } from '../shared/job-states.ts';
import { terminalModes, type TerminalMode } from './job-rules.ts';
import type { LockKind } from './maintenance.schemas.ts';
import type { MaintenanceRepository } from './maintenance.repository.ts';

export type { TerminalMode } from './job-rules.ts';

export class TerminalModes {
  constructor(
    private readonly repo: MaintenanceRepository,
    private readonly clock: Clock,
    private readonly estate: Pick<EstateService, 'getTerminal'>,
  ) {}

  /** Modes of terminals for their heartbeat answers: their out-of-service jobs and active locks (one statement on PostgreSQL). */
  async modes(terminalIds: string[]): Promise<Map<string, TerminalMode>> {
    const { jobs, locks } = await this.repo.modesOfTerminals(terminalIds, OUT_OF_SERVICE);
    return terminalModes(terminalIds, jobs, locks);
  }

  async lock(terminalId: string, reason: string, scope: Scope, actorName: string, kind: LockKind = 'manual'): Promise<TerminalMode> {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    if ((await this.repo.activeLocks([terminal.id])).length) throw refused('maintenance.already_locked', { serial: terminal.serialNumber }, { retryable: false });
    await this.repo.insertLock({ id: randomUUID(), terminal_id: terminal.id, kind, reason, locked_at: this.clock().toISOString(), locked_by: actorName });
    return this.modes([terminal.id]).then((m) => m.get(terminal.id)!);
  }

  /** Only with a reason (what the inspection found), kept with the lock. */
  async unlock(terminalId: string, reason: string, scope: Scope, actorName: string): Promise<TerminalMode> {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    if (!(await this.repo.liftLocks(terminal.id, this.clock().toISOString(), actorName, reason))) throw refused('maintenance.not_locked', { serial: terminal.serialNumber }, { retryable: false });
    return this.modes([terminal.id]).then((m) => m.get(terminal.id)!);
  }

  /** Every lock of a terminal, newest first: who locked and lifted it, when and why. */
  async locks(terminalId: string, scope: Scope) {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    return (await this.repo.locksOf(terminal.id)).map((l) => ({
      id: l.id, kind: l.kind, reason: l.reason, lockedAt: l.locked_at, lockedBy: l.locked_by, liftedAt: l.lifted_at, liftedBy: l.lifted_by, liftReason: l.lift_reason,
    }));
  }
}
