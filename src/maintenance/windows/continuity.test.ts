// The continuity rule: a site keeps trading while its terminals are maintained.
import { describe, expect, it } from 'vitest';
import { decideStarts, siteCapacity, type CandidateJob, type SiteTerminal } from './continuity.ts';

const NOW = new Date('2026-06-16T01:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const terminal = (id: string, status: SiteTerminal['status'] = 'in_service', more: Partial<SiteTerminal> = {}): SiteTerminal =>
  ({ id, status, isBackup: false, lastHealthyHeartbeatAt: minutesAgo(1), ...more });
const backup = (id: string, heartbeatMinutesAgo: number | null, status: SiteTerminal['status'] = 'in_service'): SiteTerminal =>
  ({ id, status, isBackup: true, lastHealthyHeartbeatAt: heartbeatMinutesAgo === null ? null : minutesAgo(heartbeatMinutesAgo) });
const jobsFor = (...ids: string[]): CandidateJob[] => ids.map((id) => ({ id: `job-${id}`, terminalId: id }));
const started = (decisions: ReturnType<typeof decideStarts>) => decisions.filter((d) => d.start).map((d) => d.terminalId);

describe('the continuity rule', () => {
  it('keeps at least one terminal in service by default', () => {
    const decisions = decideStarts([terminal('a'), terminal('b'), terminal('c')], jobsFor('a', 'b', 'c'), NOW);
    expect(started(decisions)).toEqual(['a', 'b']);
    expect(decisions[2]).toEqual({
      jobId: 'job-c', terminalId: 'c', start: false, reason: 'last_in_service',
      message: 'taking terminal c down would leave 0 terminal(s) in service; at least 1 must stay and the site has no backup terminal',
    });
  });

  it('never takes more than the allowed share of working terminals down at once, counting those already down', () => {
    const site = [terminal('a', 'in_maintenance'), terminal('b'), terminal('c'), terminal('d'), terminal('offline', 'offline')];
    const decisions = decideStarts(site, jobsFor('b', 'c', 'd'), NOW, { maxShareDown: 0.5 });
    expect(started(decisions)).toEqual(['b']);
    expect(decisions[1]).toMatchObject({ start: false, reason: 'share_limit', message: "2 of the site's 4 working terminals are already down; at most 2 may be down at once" });
  });

  it('lets one terminal at a time go down however small the share, the last one still guarded', () => {
    expect(started(decideStarts([terminal('a'), terminal('b')], jobsFor('a', 'b'), NOW, { maxShareDown: 0.1 }))).toEqual(['a']);
  });

  it('lets the last working terminal go down while a backup terminal has a fresh healthy heartbeat', () => {
    const decisions = decideStarts([terminal('a'), backup('spare', 5)], jobsFor('a'), NOW);
    expect(started(decisions)).toEqual(['a']);
  });

  it('holds the last working terminal while the backup’s heartbeat is stale or missing', () => {
    for (const spare of [backup('spare', 20), backup('spare', null), backup('spare', 1, 'offline')]) {
      const [decision] = decideStarts([terminal('a'), spare], jobsFor('a'), NOW, { backupFreshnessMinutes: 15 });
      expect(decision).toMatchObject({ start: false, reason: 'backup_not_fresh' });
    }
  });

  it('does not trust a heartbeat dated far in the future', () => {
    const spare = { ...backup('spare', 0), lastHealthyHeartbeatAt: new Date(NOW.getTime() + 3_600_000).toISOString() };
    expect(decideStarts([terminal('a'), spare], jobsFor('a'), NOW)[0]).toMatchObject({ start: false, reason: 'backup_not_fresh' });
  });

  it('applies the backup rule even where the site may otherwise close its last terminal', () => {
    expect(decideStarts([terminal('a')], jobsFor('a'), NOW, { minInService: 0 })[0]).toMatchObject({ start: true });
    expect(decideStarts([terminal('a'), backup('spare', 60)], jobsFor('a'), NOW, { minInService: 0 })[0])
      .toMatchObject({ start: false, reason: 'backup_not_fresh' });
  });

  it('does not take the backup down while it is the one keeping the site trading', () => {
    const decisions = decideStarts([terminal('a'), backup('spare', 2)], jobsFor('a', 'spare'), NOW);
    expect(decisions.map((d) => (d.start ? 'start' : d.reason))).toEqual(['start', 'last_in_service']);
  });

  it('queues jobs for terminals that cannot take them, whatever the override', () => {
    const site = [terminal('off', 'offline'), terminal('lock', 'locked'), terminal('busy', 'in_maintenance'), terminal('ok'), terminal('ok2')];
    const override = { reason: 'urgent security patch', by: 'ops@example.com' };
    const decisions = decideStarts(site, [
      { id: '1', terminalId: 'off', override }, { id: '2', terminalId: 'lock', override }, { id: '3', terminalId: 'busy', override },
      { id: '4', terminalId: 'nowhere' }, { id: '5', terminalId: 'ok' }, { id: '6', terminalId: 'ok' },
    ], NOW);
    expect(decisions.map((d) => (d.start ? 'start' : d.reason))).toEqual([
      'terminal_offline', 'terminal_locked', 'already_in_maintenance', 'unknown_terminal', 'start', 'duplicate_job',
    ]);
  });

  it('lets an override with a recorded reason bypass the rule, and says what it bypassed', () => {
    const decisions = decideStarts([terminal('a'), terminal('b')], [
      { id: '1', terminalId: 'a', override: { reason: 'card reader replaced on site', by: 'tech-7' } },
      { id: '2', terminalId: 'b', override: { reason: 'card reader replaced on site', by: 'tech-7' } },
    ], NOW);
    expect(decisions).toEqual([
      { jobId: '1', terminalId: 'a', start: true, override: { reason: 'card reader replaced on site', by: 'tech-7', bypassed: null } },
      { jobId: '2', terminalId: 'b', start: true, override: { reason: 'card reader replaced on site', by: 'tech-7', bypassed: 'last_in_service' } },
    ]);
  });

  it('does not accept an override without a reason', () => {
    const [decision] = decideStarts([terminal('a')], [{ id: '1', terminalId: 'a', override: { reason: '  ' } }], NOW);
    expect(decision).toMatchObject({ start: false, reason: 'override_without_reason' });
  });

  it('tells planning how many terminals a site may have down at once', () => {
    expect(siteCapacity([terminal('a'), terminal('b'), terminal('c'), terminal('d')], NOW)).toBe(3);
    expect(siteCapacity([terminal('a'), terminal('b'), terminal('c'), terminal('d')], NOW, { maxShareDown: 0.5 })).toBe(2);
    expect(siteCapacity([terminal('a')], NOW)).toBe(0);
    expect(siteCapacity([terminal('a'), backup('spare', 3)], NOW)).toBe(1);
  });

  it('rejects a share outside (0, 1]', () => {
    expect(() => decideStarts([], [], NOW, { maxShareDown: 0 })).toThrow(/maxShareDown/);
  });
});

describe('a site\'s only terminal', () => {
  it('waits by default, named by its serial number', () => {
    const [decision] = decideStarts([terminal('a', 'in_service', { serialNumber: 'SN-1' })], jobsFor('a'), NOW);
    expect(decision).toMatchObject({ start: false, reason: 'last_in_service', message: expect.stringContaining('taking terminal SN-1 down') });
  });

  it('starts when its job may leave the site without a terminal in service, recording why', () => {
    const [decision] = decideStarts([terminal('a')], [{ id: 'job-a', terminalId: 'a', lastInService: { reason: 'the shop is closed' } }], NOW);
    expect(decision).toEqual({ jobId: 'job-a', terminalId: 'a', start: true, lastInService: { reason: 'the shop is closed' } });
  });

  it('still keeps the other rules: one at a time, and a stale backup holds it', () => {
    const jobs = (...ids: string[]) => ids.map((id) => ({ id: `job-${id}`, terminalId: id, lastInService: { reason: 'closed' } }));
    expect(decideStarts([terminal('a'), backup('spare', 60)], jobs('a'), NOW)[0]).toMatchObject({ start: false, reason: 'backup_not_fresh' });
    expect(started(decideStarts([terminal('a'), terminal('b')], jobs('a', 'b'), NOW, { maxShareDown: 0.5 }))).toEqual(['a']);
  });
});
