// What every campaign service shares: the settings a campaign records when it is created, the settings
// of rollouts as a whole, and the tally of a wave's actions by state.
import type { ActionState, WaveTally } from './action-states.ts';
import { emptyTally } from './action-states.ts';
import type { Exclusion } from './eligibility.ts';
import type { WorkKind } from '../shared/job-states.ts';
import { DEFAULT_HEALTH_SETTINGS, type HealthSettings } from './payment-health.ts';
import type { SingleTerminalSites } from './rollouts.schemas.ts';


export interface CampaignSettings {
  waves: number[];
  maxFailureRate: number;
  observeMinutes: number;
  allowDowngrade: boolean;
  seed: number;
  /** Terminals the filter matched that may not receive the package, by reason. */
  excluded: Partial<Record<Exclusion, number>>;
  /** What the continuity rule may do with a terminal alone at its site (absent in older campaigns: hold). */
  singleTerminalSites?: { policy: SingleTerminalSites; reason: string | null };
  /** A rollback's terminals it could not take back, each with why. */
  leftOut?: LeftOut[];
}

export interface LeftOut {
  terminalId: string;
  serialNumber: string | null;
  previousVersion: string | null;
  reason: string;
}

export interface RolloutSettings {
  health: HealthSettings;
  /** At most this many terminals per group are read to judge a wave's payments. */
  sampleTerminals: number;
  /** Each terminal's figures over this many hours before its wave started are its baseline (a day: each hour of trade once). */
  baselineHours: number;
  /** An offered action unchanged for this long counts as stuck in the fleet view. */
  stuckAfterMinutes: number;
  /** Base URL the terminal downloads from, e.g. https://posfleet.example.com; empty: relative links. */
  publicUrl: string;
}

export const DEFAULT_ROLLOUT_SETTINGS: RolloutSettings = { health: DEFAULT_HEALTH_SETTINGS, sampleTerminals: 500, baselineHours: 24, stuckAfterMinutes: 120, publicUrl: '' };
/** Who acts on maintenance jobs for rollouts (the jobs' history names it). */
export const ROLLOUTS = 'PosFleet rollouts';

export function tallyOf(rows: { state: ActionState; n: number }[]): WaveTally {
  const tally = emptyTally();
  for (const r of rows) tally[r.state] = (tally[r.state] ?? 0) + r.n;
  return tally;
}

const WORK_OF_KIND: Record<string, WorkKind> = { application: 'update', firmware: 'upgrade', configuration: 'update', parameters: 'update' };

/** Installing a package: an application's is an update, a firmware's an upgrade. */
export const workOf = (kind: string): WorkKind => WORK_OF_KIND[kind] ?? 'update';
