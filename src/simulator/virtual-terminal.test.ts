// The virtual terminal is pure: the same seed gives the same reports, and a fleet shows real faults.
import { describe, expect, it } from 'vitest';
import { deriveSeed, mulberry32 } from './random.ts';
import { VirtualTerminal } from './virtual-terminal.ts';

const start = new Date('2026-11-25T04:00:00.000Z'); // noon in Shanghai: shops are trading
const beat = (n: number) => new Date(start.getTime() + n * 10_000);
const terminal = (seed: number, serialNumber = 'SIM-000001') => new VirtualTerminal({ serialNumber, seed, intervalSeconds: 10 });
const fleet = (size: number) => Array.from({ length: size }, (_, i) => terminal(deriveSeed(42, i), `SIM-${i}`));

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

  it('fails most chip reads on a dirty chip slot, and few on a clean one', () => {
    const rates = fleet(200).map((t) => {
      let attempts = 0;
      let failures = 0;
      for (let n = 0; n < 300; n++) {
        const chip = t.step(beat(n)).cardReader.chip ?? { attempts: 0, failures: 0 };
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
    const t = fleet(50).find((candidate) => candidate.profile.busyness > 2) ?? terminal(1);
    const states = Array.from({ length: 3000 }, (_, n) => t.step(beat(n)).printer?.paper);
    const firstOut = states.indexOf('out');
    expect(firstOut).toBeGreaterThanOrEqual(0);
    expect(states.slice(firstOut).includes('ok')).toBe(true);
    expect(states.includes('low')).toBe(true);
  });

  it('counts transactions by time of day: busy at lunch, almost none at 3 a.m.', () => {
    const count = (from: Date) => fleet(100).reduce((sum, t) => sum + t.step(from).transactions.count, 0);
    const lunch = count(new Date('2026-11-25T04:30:00.000Z'));
    const night = count(new Date('2026-11-24T19:00:00.000Z'));
    expect(lunch).toBeGreaterThan(night * 5);
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
