// `posfleet simulate`'s flags read into what the fleet simulator takes: site profiles, speed, the
// simulated start and faulty builds, so an operator can rehearse a rollout policy. Pure; a bad flag is
// an Error naming it.
import type { SimulatorSitePlan } from '../simulator/enrolment.ts';
import type { FaultyVersions } from '../simulator/simulator.ts';
import { SITE_KINDS, type SiteKind } from '../simulator/site-profiles.ts';

export interface SimulateFlags {
  sites?: string | undefined;
  speed?: string | undefined;
  startAt?: string | undefined;
  failInstall?: string | undefined;
  failCardReads?: string | undefined;
  failTransactions?: string | undefined;
  crash?: string | undefined;
}

export interface SimulateSettings {
  /** Sites by profile, or undefined: one shop (the simulator's default). */
  sites: SimulatorSitePlan[] | undefined;
  speed: number;
  startAt: Date | undefined;
  faultyVersions: FaultyVersions;
}

/** Reads the flags; throws an Error that names the flag and what it takes. */
export function simulateSettings(flags: SimulateFlags): SimulateSettings {
  const speed = flags.speed === undefined ? 1 : Number(flags.speed);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 10_000) throw new Error(`--speed: give simulated seconds per real second, more than 0 and at most 10000 (got "${flags.speed}")`);
  const startAt = flags.startAt === undefined ? undefined : new Date(flags.startAt);
  if (startAt && (Number.isNaN(startAt.getTime()) || !/(Z|[+-]\d\d:\d\d)$/.test(flags.startAt!))) {
    throw new Error(`--start-at: give a date-time with its offset, e.g. 2026-11-25T12:00:00+08:00 (got "${flags.startAt}")`);
  }
  const versions = (flag: string, value: string | undefined) => {
    const list = (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
    const bad = list.find((v) => !/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/.test(v));
    if (bad) throw new Error(`${flag}: "${bad}" is not a version; give versions separated by commas, e.g. 3.5.0,3.5.1`);
    return list;
  };
  return {
    sites: flags.sites === undefined ? undefined : sitePlans(flags.sites),
    speed,
    startAt,
    faultyVersions: {
      installFails: versions('--fail-install', flags.failInstall),
      cardReadFailures: versions('--fail-card-reads', flags.failCardReads),
      transactionFailures: versions('--fail-transactions', flags.failTransactions),
      crashes: versions('--crash', flags.crash),
    },
  };
}

/** "supermarket:5,cafe:3" → a supermarket with 5 terminals and a café with 3 (a profile without a count: 1 terminal). */
function sitePlans(text: string): SimulatorSitePlan[] {
  const plans = text.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    const [kind, count = '1', ...rest] = part.split(':');
    const terminals = Number(count);
    if (!SITE_KINDS.includes(kind as SiteKind) || rest.length || !Number.isInteger(terminals) || terminals < 1 || terminals > 10_000) {
      throw new Error(`--sites: "${part}" is not profile:terminals; profiles are ${SITE_KINDS.join(', ')}, e.g. supermarket:5,cafe:3`);
    }
    return { profile: kind as SiteKind, terminals };
  });
  if (!plans.length) throw new Error(`--sites: give at least one profile:terminals, e.g. supermarket:5 (profiles: ${SITE_KINDS.join(', ')})`);
  return plans;
}
