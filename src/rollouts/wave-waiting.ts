// Why a wave waits, in words a dashboard can say in either language: from what the engine already has
// (the campaign's halt, the wave's state, its actions' maintenance jobs with their planned starts and
// waiting reasons, and the reasons of actions still queued). Pure: no I/O.
import type { WaveState, CampaignState } from './rollouts.schemas.ts';
import type { WaitingCode as JobWaitingCode } from '../shared/job-states.ts';

export type WaitingCode =
  | 'halted_payments' | 'halted_installs' | 'paused'
  | 'window' | 'continuity' | 'spare' | 'no_room' | 'observing';

export interface WaveWaiting {
  code: WaitingCode;
  /** The terminals waiting for this. */
  terminals: number;
  /** When it may go on: the window's start (window), the end of observation (observing). */
  at: string | null;
  /** The site named in the words (the first waiting there), with its time zone for the time. */
  site: { id: string; name: string; timeZone: string } | null;
  /** The engine's own words (English), for the log and scripts. */
  detail: string | null;
}

export interface WaitingJob {
  jobState: string | null;
  plannedStart: string | null;
  waitingReason: string | null;
  waitingCode: JobWaitingCode | null;
  siteId: string | null;
  siteName: string | null;
  timeZone: string | null;
}

export interface WaveFacts {
  campaignState: CampaignState;
  halt: { wave: number; kind: 'installs' | 'payments'; reason: string } | null;
  wave: number; // 1-based
  waveState: WaveState;
  installedAt: string | null;
  observeMinutes: number;
  /** The wave's offered actions whose maintenance job has not started yet. */
  waitingJobs: WaitingJob[];
  /** The wave's queued actions' reasons (no room yet, another open job). */
  queuedReasons: (string | null)[];
}

const WAITING_JOB = ['scheduled', 'announced'];
/** Waiting for a maintenance window, not held by the continuity rule. */
const WINDOW_CODES: readonly (JobWaitingCode | null)[] = ['window_closed', 'no_fitting_window', 'window_gone'];

export function waveWaiting(f: WaveFacts, now: Date): WaveWaiting | null {
  const none = { at: null, site: null, detail: null };
  if (f.campaignState === 'halted' && f.halt && f.halt.wave === f.wave) {
    return { ...none, code: f.halt.kind === 'payments' ? 'halted_payments' : 'halted_installs', terminals: 0, detail: f.halt.reason };
  }
  if (f.campaignState === 'paused') return { ...none, code: 'paused', terminals: 0 };
  if (f.campaignState !== 'running') return null;
  if (f.waveState === 'observing') {
    const until = f.installedAt ? new Date(Date.parse(f.installedAt) + f.observeMinutes * 60_000).toISOString() : null;
    return { ...none, code: 'observing', terminals: 0, at: until };
  }
  if (f.waveState !== 'installing') return null;
  const jobs = f.waitingJobs.filter((j) => j.jobState && WAITING_JOB.includes(j.jobState));
  const site = (j: WaitingJob) => (j.siteId ? { id: j.siteId, name: j.siteName ?? '', timeZone: j.timeZone ?? 'UTC' } : null);
  // Due but held: the continuity rule (or a spare it asked for) keeps the terminal in service.
  const held = jobs.filter((j) => j.plannedStart && Date.parse(j.plannedStart) <= now.getTime() && j.waitingCode);
  const spare = held.filter((j) => j.waitingCode === 'backup_not_fresh');
  const continuity = held.filter((j) => j.waitingCode !== 'backup_not_fresh' && !WINDOW_CODES.includes(j.waitingCode!));
  if (continuity.length) return { code: 'continuity', terminals: continuity.length, at: null, site: site(continuity[0]!), detail: continuity[0]!.waitingReason };
  if (spare.length) return { code: 'spare', terminals: spare.length, at: null, site: site(spare[0]!), detail: spare[0]!.waitingReason };
  // Planned for later (or moved to the next occurrence): the earliest window they wait for.
  const later = jobs.filter((j) => j.plannedStart && (Date.parse(j.plannedStart) > now.getTime() || WINDOW_CODES.includes(j.waitingCode!)))
    .sort((a, b) => a.plannedStart!.localeCompare(b.plannedStart!));
  if (later.length) return { code: 'window', terminals: later.length, at: later[0]!.plannedStart, site: site(later[0]!), detail: later[0]!.waitingReason };
  const queued = f.queuedReasons.filter((r): r is string => !!r);
  if (queued.length) return { ...none, code: 'no_room', terminals: queued.length, detail: queued[0]! };
  return null;
}
