// `npx tsx bench/rules.bench.ts`: what the diagnostic rules cost per heartbeat, without HTTP or the writer in the
// way: the heartbeat observer as the server builds it (SQLite file, real repositories) told about group commits of
// BENCH_RULES_BATCH (25) heartbeats of BENCH_RULES_TERMINALS (2000) terminals, BENCH_RULES_ROUNDS (20) heartbeats
// each, after one warm-up round. Every BENCH_RULES_FAULTY-th terminal (0: none, as in heartbeats.bench.ts) reports a failing chip reader
// now and then, so its streaks and card window change (and are written) as a faulty terminal's do. Prints the CPU
// time of the process per heartbeat (the observer's reads of its state on SQLite included), the load average beside it.
// BENCH_PROFILE_FILE: a V8 CPU profile of the measured rounds there (`npx tsx bench/profile-summary.ts FILE`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import type { HeartbeatReport } from '../src/device/device.schemas.ts';
import { heartbeatKey, type QueuedHeartbeat } from '../src/device/heartbeat-batch.ts';
import { createServices } from '../src/services.ts';
import { buildEstate, heartbeatReport } from '../test/support/app.ts';

const TERMINALS = Number(process.env.BENCH_RULES_TERMINALS ?? 2000);
const BATCH = Number(process.env.BENCH_RULES_BATCH ?? 25);
const ROUNDS = Number(process.env.BENCH_RULES_ROUNDS ?? 20);
const FAULTY = Number(process.env.BENCH_RULES_FAULTY ?? 0);

const dir = mkdtempSync(join(tmpdir(), 'posfleet-rules-bench-'));
const services = await createServices(loadConfig({ DATABASE_URL: join(dir, 'posfleet.db'), POSFLEET_ADMIN_TOKEN: 'bench' }));
try {
  const estate = await buildEstate({ services } as Parameters<typeof buildEstate>[0]);
  const ids: string[] = [];
  for (let i = 0; i < TERMINALS; i++) {
    ids.push((await services.estate.createTerminal({ serialNumber: `RULES-${i}`, modelId: estate.model.id, siteId: estate.site.id, tags: [] })).id);
  }
  const observer = services.heartbeatObserver;
  const report = (i: number, seq: number): HeartbeatReport => {
    const faulty = FAULTY > 0 && i % FAULTY === 0 && seq % 4 < 2;
    return heartbeatReport(seq, faulty ? { cardReader: { chip: { attempts: 10, failures: 6 }, contactless: { attempts: 5, failures: 0 } } } : {}) as HeartbeatReport;
  };
  const round = async (seq: number) => {
    for (let from = 0; from < ids.length; from += BATCH) {
      const receivedAt = new Date().toISOString();
      const batch: QueuedHeartbeat[] = ids.slice(from, from + BATCH).map((terminalId, j) => ({ terminalId, report: { ...report(from + j, seq), sentAt: receivedAt }, receivedAt }));
      await observer.observe(batch, new Set(batch.map((h) => heartbeatKey(h.terminalId, h.report.seq))));
    }
    await observer.flushStates();
  };
  await round(1);
  const profileFile = process.env.BENCH_PROFILE_FILE;
  const session = new Session();
  if (profileFile) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const load = loadavg()[0]!.toFixed(1);
  const started = process.cpuUsage();
  const wall = performance.now();
  for (let seq = 2; seq < ROUNDS + 2; seq++) await round(seq);
  const cpu = process.cpuUsage(started);
  if (profileFile) writeFileSync(profileFile, JSON.stringify((await session.post('Profiler.stop')).profile));
  const heartbeats = ROUNDS * ids.length;
  console.log(`rules: ${((cpu.user + cpu.system) / heartbeats).toFixed(1)} µs CPU per heartbeat (${heartbeats} heartbeats in batches of ${BATCH}, ` +
    `${((performance.now() - wall) * 1000 / heartbeats).toFixed(1)} µs wall; every ${FAULTY || 'no'}th terminal faulty; load average ${load})`);
} finally {
  await services.db.close();
  rmSync(dir, { recursive: true, force: true });
}
