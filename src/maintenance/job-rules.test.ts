import { describe, expect, it } from 'vitest';
import { continuityStatus, jobsCountingRefusals, leaseEnd, plannedMinutes, reportedStep, spareRequest, startNote, terminalModes } from './job-rules.ts';
import type { JobRow, SiteTerminal } from './maintenance.repository.ts';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();

function job(over: Partial<JobRow>): JobRow {
  return {
    id: 'j', terminal_id: 't1', site_id: 's', work: '["update"]', reason: 'new version', state: 'scheduled', planned_start: at(0),
    expected_minutes: 10, max_minutes: 25, started_at: null, lease_until: null, ended_at: null, waiting_reason: null, waiting_code: null, override_reason: null,
    self_tests: null, refused_transactions: 0, created_by: 'op', created_at: at(-60), updated_at: at(-60), ...over,
  };
}

describe('how long maintenance work may take', () => {
  it('adds up the defaults of the work and leases twice that, at least a quarter of an hour more', () => {
    expect(plannedMinutes(['update'])).toEqual({ expected: 10, max: 25 });
    expect(plannedMinutes(['upgrade', 'repair'])).toEqual({ expected: 75, max: 150 });
  });

  it("takes the operator's minutes when given", () => {
    expect(plannedMinutes(['update'], 40)).toEqual({ expected: 40, max: 80 });
    expect(plannedMinutes(['update'], 40, 30)).toEqual({ expected: 40, max: 30 });
  });

  it("cuts a started job's lease at its window's end", () => {
    expect(leaseEnd(NOW, 30)).toBe(at(30));
    expect(leaseEnd(NOW, 30, new Date(at(20)))).toBe(at(20));
    expect(leaseEnd(NOW, 30, new Date(at(45)))).toBe(at(30));
  });
});

describe("a terminal's mode", () => {
  it('is maintenance while a started job has it out of service, with the job and its expected end', () => {
    const modes = terminalModes(['t1', 't2'], [job({ state: 'in_maintenance', started_at: at(0), lease_until: at(25) })], []);
    expect(modes.get('t1')).toEqual({
      mode: 'maintenance', reason: 'new version', lockKind: null,
      maintenance: { jobId: 'j', state: 'in_maintenance', work: ['update'], expectedEndAt: at(10), leaseUntil: at(25) },
    });
    expect(modes.get('t2')).toEqual({ mode: 'normal', reason: null, lockKind: null, maintenance: null });
  });

  it("is locked whatever its job, with the lock's reason", () => {
    const modes = terminalModes(['t1'], [job({ state: 'draining', started_at: at(0), lease_until: at(25) })], [{ terminal_id: 't1', reason: 'tampered', kind: 'tamper' }]);
    expect(modes.get('t1')).toMatchObject({ mode: 'locked', reason: 'tampered', lockKind: 'tamper' });
  });
});

describe('which job refused transactions count against', () => {
  it('the job still running, before one that ended', () => {
    const running = job({ id: 'running', state: 'in_maintenance', started_at: at(-10) });
    const ended = job({ id: 'ended', state: 'completed', started_at: at(-5), ended_at: at(-1) });
    expect(jobsCountingRefusals([ended, running], at(-3)).get('t1')?.id).toBe('running');
  });

  it('the latest started of those that ended recently; none that ended long ago or never started', () => {
    const older = job({ id: 'older', state: 'failed', started_at: at(-20), ended_at: at(-2) });
    const newer = job({ id: 'newer', state: 'rolled_back', started_at: at(-10), ended_at: at(-1) });
    expect(jobsCountingRefusals([newer, older], at(-3)).get('t1')?.id).toBe('newer');
    expect(jobsCountingRefusals([job({ state: 'completed', started_at: at(-20), ended_at: at(-15) })], at(-3)).size).toBe(0);
    expect(jobsCountingRefusals([job({ state: 'aborted', ended_at: at(-1) })], at(-3)).size).toBe(0);
  });
});

describe('the continuity rule\'s view of a terminal', () => {
  const terminal = (over: Partial<SiteTerminal>): SiteTerminal => ({ id: 't', siteId: 's', serialNumber: 'SN', backup: false, lastSeenAt: at(-1), locked: false, inMaintenance: false, ...over });
  it('is in service while its heartbeat is fresh, offline after', () => {
    expect(continuityStatus(terminal({}), NOW, 5 * 60_000)).toBe('in_service');
    expect(continuityStatus(terminal({ lastSeenAt: at(-6) }), NOW, 5 * 60_000)).toBe('offline');
    expect(continuityStatus(terminal({ lastSeenAt: null }), NOW, 5 * 60_000)).toBe('offline');
  });

  it('is busy in maintenance before locked', () => {
    expect(continuityStatus(terminal({ inMaintenance: true, locked: true }), NOW, 5 * 60_000)).toBe('in_maintenance');
    expect(continuityStatus(terminal({ locked: true }), NOW, 5 * 60_000)).toBe('locked');
  });
});

describe('what the tick notes', () => {
  it('says why a job started against the rule', () => {
    expect(startNote({ jobId: 'j', terminalId: 't', start: true, override: { reason: 'urgent fix', bypassed: null } })).toBe('continuity rule overridden: urgent fix');
    expect(startNote({ jobId: 'j', terminalId: 't', start: true, lastInService: { reason: 'campaign policy' } })).toBe("the site's only terminal taken out of service: campaign policy");
    expect(startNote({ jobId: 'j', terminalId: 't', start: true })).toBeNull();
  });

  it('asks for a spare by its deadline, and escalates once it passed', () => {
    expect(spareRequest(at(-10), 'no spare ready', NOW, 30)).toEqual({
      deadline: at(20), overdue: false, message: `no spare ready; the merchant and technicians were asked to switch a spare on by ${at(20)}`,
    });
    expect(spareRequest(at(-40), 'no spare ready', NOW, 30)).toMatchObject({ deadline: at(-10), overdue: true });
  });
});

describe("a terminal's step report", () => {
  it('settles a verification with its self-tests at once', () => {
    const now = at(0);
    expect(reportedStep({ state: 'verifying', selfTests: [{ name: 'printer', passed: true }] }, now).settle).toEqual({ to: 'completed', changes: { ended_at: now }, note: 'all self-tests passed' });
    expect(reportedStep({ state: 'verifying', selfTests: [{ name: 'printer', passed: false }, { name: 'reader', passed: true }] }, now).settle)
      .toEqual({ to: 'failed', changes: {}, note: 'self-tests failed: printer' });
  });

  it('ends the job on a final step and leaves other steps unsettled', () => {
    expect(reportedStep({ state: 'rolled_back' }, at(0))).toEqual({ changes: { ended_at: at(0) }, settle: null });
    expect(reportedStep({ state: 'in_maintenance' }, at(0))).toEqual({ changes: {}, settle: null });
  });
});
