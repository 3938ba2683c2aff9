// Key slots against each acquirer's key policy: the slots a terminal reports (never key material) are
// stored with each flush of sightings, and an incident is opened per kind of problem (missing,
// mismatched, expiring) or resolved when the keys are right again. A maintenance job that injected
// keys leaves a record of what the terminal reports afterwards.
import { randomUUID } from 'node:crypto';
import { setBounded } from '../shared/bounded-map.ts';
import { parseJson } from '../shared/json.ts';
import type { KeySlot } from '../shared/terminal-security.ts';
import type { Clock } from '../shared/time.ts';
import type { SecurityPolicy } from './security-policy.ts';
import type { SecurityRepository } from './security.repository.ts';
import { keyProblems, type KeyProblem, type KeyProblemRule } from './security.rules.ts';
import type { SecurityPorts } from './security.service.ts';

type Terminal = { id: string; site_id: string | null; merchant_id: string | null };

/** Terminals whose key problems one process remembers. */
const KEY_STATE_TERMINALS = 200_000;

export class KeySlotWatch {
  /**
   * Key problems each terminal was last found with ("rule" → detail JSON; unknown after a restart), so a heartbeat
   * opens or resolves an incident only on a change. At most
   * KEY_STATE_TERMINALS, the one set longest ago dropped first: a forgotten terminal's next report opens (an open
   * incident is kept, not doubled) or resolves again.
   */
  private keyState = new Map<string, Map<KeyProblemRule, string>>();

  constructor(
    private readonly repo: SecurityRepository,
    private readonly clock: Clock,
    private readonly policy: SecurityPolicy,
    private readonly ports: Pick<SecurityPorts, 'openIncident' | 'resolveIncident' | 'acquirerOf' | 'log'>,
  ) {}

  private now = () => this.clock().toISOString();

  /** What a terminal's slots lack or get wrong by its acquirer's policy, at `at`. */
  problemsOf(terminalId: string, slots: readonly KeySlot[], at: string): KeyProblem[] {
    return keyProblems(slots, this.policy.requiredKeys(terminalId), at, this.policy.settings.keyExpiryWarningDays);
  }

  /** Stores the slots the sightings reported and opens or resolves the terminals' key incidents. */
  async check(items: { terminalId: string; at: string; keys: KeySlot[] | undefined }[], terminals: Map<string, Terminal>): Promise<void> {
    if (!items.length) return;
    const at = this.now();
    await this.repo.replaceKeySlots(items.map((i) => i.terminalId), items.flatMap((i) => (i.keys ?? []).map((k) => ({
      terminal_id: i.terminalId, slot: k.slot, key_type: k.type, bdk_id: k.bdkId ?? null, kcv: k.kcv?.toUpperCase() ?? null, ksn_prefix: k.ksnPrefix?.toUpperCase() ?? null,
      loaded_at: k.loadedAt ?? null, expires_at: k.expiresAt ?? null, reported_at: i.at,
    }))));
    for (const item of items) {
      const terminal = terminals.get(item.terminalId);
      if (!terminal) continue;
      await this.applyKeyProblems(terminal, this.problemsOf(item.terminalId, item.keys ?? [], at), at);
    }
  }

  /** Opens an incident per rule with problems (naming the keys and the earliest deadline), resolves the others. */
  private async applyKeyProblems(terminal: Terminal, problems: KeyProblem[], at: string): Promise<void> {
    const before = this.keyState.get(terminal.id);
    const now = new Map<KeyProblemRule, string>();
    for (const rule of ['key_missing', 'key_mismatch', 'key_expiring'] as const) {
      const mine = problems.filter((p) => p.rule === rule);
      if (mine.length) {
        const detail = { keys: mine, deadline: mine.map((p) => p.deadline).sort()[0], acquirer: this.ports.acquirerOf(terminal.id) ?? null };
        const text = JSON.stringify(detail.keys);
        now.set(rule, text);
        if (before?.get(rule) === text) continue;
        await this.ports.openIncident({ terminalId: terminal.id, siteId: terminal.site_id, merchantId: terminal.merchant_id, rule, detail, at })
          .catch((error: unknown) => this.ports.log?.('key incident not opened', { terminal: terminal.id, rule, error: String(error) }));
      } else if (!before || before.has(rule)) {
        await this.ports.resolveIncident(terminal.id, rule, 'the terminal reports the keys its acquirer requires')
          .catch((error: unknown) => this.ports.log?.('key incident not resolved', { terminal: terminal.id, rule, error: String(error) }));
      }
    }
    setBounded(this.keyState, terminal.id, now, KEY_STATE_TERMINALS);
  }

  /**
   * Records what a terminal reports after a maintenance job that injected keys, and what is still wrong
   * (the caller flushed the sightings first, so the terminal's last report counts).
   */
  async recordInjection(job: { id: string; terminal_id: string; work: string }, outcome: 'completed' | 'failed'): Promise<void> {
    const slots = (await this.repo.keySlots([job.terminal_id])).map(toSlot);
    const problems = this.problemsOf(job.terminal_id, slots, this.now());
    await this.repo.addInjection({
      id: randomUUID(), terminal_id: job.terminal_id, job_id: job.id, outcome: outcome === 'completed' && !problems.some((p) => p.rule !== 'key_expiring') ? 'succeeded' : 'failed',
      slots: JSON.stringify(slots), problems: JSON.stringify(problems), recorded_at: this.now(),
    });
  }
}

/** Whether a maintenance job's work included key injection. */
export function injectsKeys(job: { work: string }): boolean {
  return parseJson<string[]>(job.work, []).includes('key_injection');
}

export function toSlot(r: { slot: number | string; key_type: KeySlot['type']; bdk_id: string | null; kcv: string | null; ksn_prefix: string | null; loaded_at: string | null; expires_at: string | null }): KeySlot {
  return {
    slot: Number(r.slot), type: r.key_type, ...(r.bdk_id && { bdkId: r.bdk_id }), ...(r.kcv && { kcv: r.kcv }), ...(r.ksn_prefix && { ksnPrefix: r.ksn_prefix }),
    ...(r.loaded_at && { loadedAt: r.loaded_at }), ...(r.expires_at && { expiresAt: r.expires_at }),
  };
}
