// The virtual terminal is pure: the same seed gives the same reports, and a fleet shows real faults.
import { describe, expect, it } from 'vitest';
import { deriveSeed, mulberry32 } from './random.ts';
import type { SiteKind } from './site-profiles.ts';
import { LATEST_VERSIONS, VirtualTerminal } from './virtual-terminal.ts';

const start = new Date('2026-11-25T04:00:00.000Z'); // noon on a Wednesday in Shanghai: shops are trading
const beat = (n: number) => new Date(start.getTime() + n * 10_000);
/** Ten-minute steps: long runs of trade in few steps. */
const tenMinutes = (n: number) => new Date(start.getTime() + n * 600_000);
const terminal = (seed: number, serialNumber = 'SIM-000001', site?: SiteKind) => new VirtualTerminal({ serialNumber, seed, intervalSeconds: 10, site });
const fleet = (size: number, site?: SiteKind) => Array.from({ length: size }, (_, i) => terminal(deriveSeed(42, i), `SIM-${i}`, site));

describe('virtual terminal', () => {
  it('gives the same first report, and the same hundred after it, for the same seed', () => {
    const a = terminal(7);
    const b = terminal(7);
    expect(a.step(start)).toEqual(b.step(start));
    for (let n = 1; n <= 100; n++) expect(a.step(beat(n))).toEqual(b.step(beat(n)));
    expect(terminal(8).profile).not.toEqual(terminal(7).profile);
  });

  it('draws a fleet with some empty or low paper rolls, dirty chip slots and weak networks', () => {
    const terminals = fleet(200);
    const first = terminals.map((t) => t.step(start));
    const paper = first.filter((r) => r.printer?.paper !== 'ok').length;
    expect(paper).toBeGreaterThan(200 * 0.15);
    expect(paper).toBeLessThan(200 * 0.5);
    const faults = terminals.flatMap((t) => t.profile.faults);
    expect(faults.filter((f) => f === 'dirty_chip_slot').length).toBeGreaterThan(3);
    expect(faults.filter((f) => f === 'weak_network').length).toBeGreaterThan(10);
    expect(new Set(first.map((r) => r.network.type))).toEqual(new Set(['ethernet', 'wifi', 'cellular']));
  });

  it('reports the wear meters of preventive maintenance: receipts printed, card reads, battery cycles', () => {
    const t = terminal(7);
    let receipts = 0;
    let transactions = 0;
    let reads = 0;
    const first = t.step(start).battery!.cycleCount;
    let last = first;
    for (let n = 1; n <= 144; n++) {
      const report = t.step(tenMinutes(n));
      receipts += report.printer?.receipts ?? 0;
      transactions += report.transactions.count;
      reads += Object.values(report.cardReader).reduce((sum, r) => sum + (r?.attempts ?? 0), 0);
      last = report.battery!.cycleCount;
    }
    // A day of trade: a receipt or two per sale (fewer when the paper ran out), at least a card read per sale.
    expect(transactions).toBeGreaterThan(0);
    expect(receipts).toBeGreaterThan(0);
    expect(receipts).toBeLessThanOrEqual(2 * transactions);
    expect(reads).toBeGreaterThanOrEqual(transactions);
    expect(last).toBeGreaterThanOrEqual(first);
  });

  it('fails most chip reads on a dirty chip slot, and few on a clean one', () => {
    const rates = fleet(200).map((t) => {
      let attempts = 0;
      let failures = 0;
      for (let n = 0; n < 300; n++) {
        const chip = t.step(tenMinutes(n)).cardReader.chip ?? { attempts: 0, failures: 0 };
        attempts += chip.attempts;
        failures += chip.failures;
      }
      return { dirty: t.profile.faults.includes('dirty_chip_slot'), rate: failures / Math.max(1, attempts) };
    });
    for (const { dirty, rate } of rates) {
      if (dirty) expect(rate).toBeGreaterThan(0.25);
      else expect(rate).toBeLessThan(0.15);
    }
  });

  it('uses up a paper roll with receipts and gets it refilled', () => {
    const t = fleet(50).find((candidate) => candidate.profile.busyness > 1.2) ?? terminal(1);
    const states = Array.from({ length: 1500 }, (_, n) => t.step(tenMinutes(n)).printer?.paper);
    const firstOut = states.indexOf('out');
    expect(firstOut).toBeGreaterThanOrEqual(0);
    expect(states.slice(firstOut).includes('ok')).toBe(true);
    expect(states.includes('low')).toBe(true);
  });

  it('trades by its site: a café at breakfast and lunch only, a shop from 9 to 21, busiest after work', () => {
    /** Payments of a fleet in each local hour of a Wednesday, in ten-minute steps. */
    const byLocalHour = (site: SiteKind) => {
      const hours = Array.from({ length: 24 }, () => 0);
      const midnight = Date.parse('2026-11-24T16:00:00.000Z'); // 00:00 in Shanghai
      for (const t of fleet(20, site)) {
        for (let n = 1; n <= 144; n++) hours[Math.floor((n - 1) / 6)]! += t.step(new Date(midnight + n * 600_000)).transactions.count;
      }
      return hours;
    };
    const cafe = byLocalHour('cafe');
    const open = (hour: number) => (hour >= 7 && hour < 10) || (hour >= 12 && hour < 14);
    expect(cafe.filter((_, hour) => !open(hour))).toEqual(Array(19).fill(0));
    expect(cafe[8]).toBeGreaterThan(cafe[9]! + 20);
    expect(cafe[12]).toBeGreaterThan(100);

    const shop = byLocalHour('shop');
    expect(shop.slice(0, 9).concat(shop.slice(21))).toEqual(Array(12).fill(0));
    expect(shop[18]).toBeGreaterThan(shop[9]! * 2);
  });

  it('turns customers away while it may not take payments, and does not report them as payments', () => {
    const t = terminal(5);
    const lunch = tenMinutes(3); // 12:30
    const refused = t.step(lunch, () => false);
    expect(refused.transactions).toMatchObject({ count: 0, amountMinor: 0 });
    expect(t.totals.refused).toBeGreaterThan(0);
    expect(t.totals.payments).toBe(0);
    expect(t.step(tenMinutes(4)).transactions.count).toBe(t.totals.payments);
  });

  it('reports what maintenance changed: new versions after the work, the old ones after a rollback', () => {
    const t = terminal(9);
    const before = t.step(start);
    t.applyWork(['update', 'upgrade'], start);
    t.reboot();
    const after = t.step(beat(1));
    expect(after).toMatchObject({ appVersion: LATEST_VERSIONS.app, firmwareVersion: LATEST_VERSIONS.firmware });
    expect(after.uptimeSeconds).toBeLessThanOrEqual(10);
    t.restoreVersions();
    expect(t.step(beat(2))).toMatchObject({ appVersion: before.appVersion, firmwareVersion: before.firmwareVersion });

    t.applyWork(['update'], start);
    t.keepWork(); // confirmed: a later rollback has nothing of it to undo
    t.restoreVersions();
    expect(t.installed.app).toBe(LATEST_VERSIONS.app);
  });

  it('plays faulty builds once installed: payments that fail after the read, and crashes, each reported; a rollback mends it', () => {
    const faulty = () => new VirtualTerminal({ serialNumber: 'SIM-BAD', seed: 3, intervalSeconds: 600, site: 'supermarket', transactionFailureVersions: ['9.9.9'], crashVersions: ['9.9.8'] });
    const day = (t: VirtualTerminal) => {
      const totals = { count: 0, failed: 0, crashes: 0, restarts: 0 };
      let uptime: number | undefined;
      for (let n = 1; n <= 36; n++) { // six hours of trade in ten-minute steps
        const r = t.step(tenMinutes(n));
        totals.count += r.transactions.count;
        totals.failed += r.transactions.failed ?? 0;
        totals.crashes += r.crashes ?? 0;
        if (uptime !== undefined && r.uptimeSeconds < uptime) totals.restarts++;
        uptime = r.uptimeSeconds;
      }
      return totals;
    };
    const good = day(faulty());
    expect(good).toMatchObject({ failed: 0, crashes: 0 });

    const failing = faulty();
    failing.installPackage({ kind: 'application', version: '9.9.9' });
    const failed = day(failing);
    expect(failed.failed / (failed.count + failed.failed)).toBeGreaterThan(0.15);
    expect(failed.crashes).toBe(0);

    const crashing = faulty();
    crashing.installPackage({ kind: 'application', version: '9.9.8' });
    const crashed = day(crashing);
    expect(crashed.crashes).toBeGreaterThanOrEqual(2);
    expect(crashed.restarts).toBeGreaterThanOrEqual(2);
    expect(crashed.failed).toBe(0);

    crashing.restoreVersions();
    expect(day(crashing)).toMatchObject({ failed: 0, crashes: 0 });
  });

  it('loses its network for a while on a weak link', () => {
    const weak = fleet(200).find((t) => t.profile.faults.includes('weak_network'));
    if (!weak) throw new Error('a fleet of 200 should have a weak link');
    let down = 0;
    for (let n = 0; n < 2000; n++) {
      weak.step(beat(n));
      if (!weak.linkUp(new Date(beat(n).getTime() + 1))) down++;
    }
    expect(down).toBeGreaterThan(5);
    expect(down).toBeLessThan(500);
  });

  it('reports readings within the protocol limits throughout', () => {
    for (const t of fleet(30)) {
      for (let n = 0; n < 500; n++) {
        const r = t.step(beat(n));
        expect(r.battery?.percent).toBeGreaterThanOrEqual(0);
        expect(r.battery?.percent).toBeLessThanOrEqual(100);
        expect(r.temperatureC).toBeGreaterThan(-60);
        expect(r.storageFreeMb).toBeGreaterThanOrEqual(0);
        expect(Number.isInteger(r.uptimeSeconds)).toBe(true);
      }
    }
  });

  it('carries out commands: a reboot starts uptime again', () => {
    const t = terminal(3);
    expect(t.step(start).uptimeSeconds).toBeGreaterThan(60);
    expect(t.runCommand('reboot', start).status).toBe('succeeded');
    expect(t.step(beat(1)).uptimeSeconds).toBeLessThanOrEqual(10);
    expect(t.runCommand('format_disk', start)).toMatchObject({ status: 'failed' });
  });

  it('rotates its password on a rotate_password command and reports the new date from then on', () => {
    const t = terminal(3);
    t.step(start);
    const at = beat(1);
    expect(t.runCommand('rotate_password', at)).toEqual({ status: 'succeeded', output: { passwordChangedAt: at.toISOString() } });
    expect(t.step(beat(2)).security.passwordChangedAt).toBe(at.toISOString());
  });
});

describe('mulberry32', () => {
  it('repeats for a seed and stays within [0, 1)', () => {
    const a = mulberry32(99);
    const b = mulberry32(99);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
  });
});
