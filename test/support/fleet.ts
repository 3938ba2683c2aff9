// Plays a simulated fleet through simulated time in coarse jumps: a driven clock shared by the server
// and the simulator stands still between the instants chosen here, so a fleet's day costs only its
// heartbeats and the server's jobs, however fast or busy the machine (no real-time pacing, no waits).
import { declareRecurringJobs } from '../../src/services.ts';
import type { DrivenClock } from '../../src/simulator/fleet-clock.ts';
import type { RunningSimulator } from '../../src/simulator/simulator.ts';
import type { TestServer } from './server.ts';

export interface DrivenFleet {
  clock: DrivenClock;
  /** Started with `manualBeats`, on `clock`. */
  simulator: RunningSimulator;
  /** Started on `clock` with `jobs: false`: its jobs run here, at the instants this loop chooses. */
  server: TestServer;
  /** Simulated milliseconds between two heartbeats of a terminal (the server's heartbeat interval). */
  intervalMs: number;
}

/**
 * Declares the server's recurring jobs and runs those due now (as a starting server does). Call it once,
 * before driveFleet.
 */
export async function startDrivenJobs(server: TestServer): Promise<void> {
  await declareRecurringJobs(server.services);
  await runDueJobs(server);
}

/**
 * Plays the fleet until `until`: every terminal beats at each whole interval after the clock's time now
 * (the first beat carries the interval before it, the last one falls on `until`), and half an interval
 * after each beat the server runs every job then due (offline sweep, ticks, ...), as its job runner
 * would. Returns the heartbeats answered and lost (dropped links).
 */
export async function driveFleet(fleet: DrivenFleet, until: Date): Promise<{ answered: number; lost: number }> {
  const { clock, simulator, server, intervalMs } = fleet;
  const totals = { answered: 0, lost: 0 };
  for (let at = clock.now().getTime() + intervalMs; at <= until.getTime(); at += intervalMs) {
    clock.advanceTo(at);
    const beat = await simulator.beat();
    totals.answered += beat.answered;
    totals.lost += beat.lost;
    clock.advanceTo(Math.min(at + intervalMs / 2, until.getTime()));
    await runDueJobs(server);
  }
  return totals;
}

/** Runs every job due at the clock's time, until none is left (bounded). */
async function runDueJobs(server: TestServer): Promise<void> {
  for (let round = 0; round < 20; round++) {
    if ((await server.services.jobs.runDueJobs()) === 0) return;
  }
  throw new Error('jobs kept coming after 20 rounds at one instant');
}
