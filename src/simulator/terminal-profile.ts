// What makes one virtual terminal itself (the fleet simulator's VirtualTerminal, ./virtual-terminal.ts):
// its environment, network, card readers, paper roll, software and lasting faults, drawn once from its
// seeded PRNG and fixed for its life.
import type { Random } from './random.ts';

export type Environment = 'indoor' | 'outdoor' | 'dusty' | 'hot' | 'humid';
export type NetworkType = 'ethernet' | 'wifi' | 'cellular';
export type CardInterface = 'chip' | 'swipe' | 'contactless';
export type Fault =
  | 'dirty_chip_slot' | 'broken_contactless_antenna' | 'weak_network' | 'battery_not_charging' | 'log_spam' | 'encryption_off';

/** What makes a terminal itself: drawn once from its seed, fixed for its life. */
export interface TerminalProfile {
  environment: Environment;
  network: { type: NetworkType; baseSignalDbm: number | undefined; baseLatencyMs: number; dropChancePerBeat: number };
  /** Standing on its charging base all day (countertop) rather than carried to tables. */
  docked: boolean;
  /** This terminal's share of its site's trade, against an average terminal (1). */
  busyness: number;
  failureRate: Record<CardInterface, number>;
  paperRollReceipts: number;
  rotatesPasswords: boolean;
  appVersion: string;
  firmwareVersion: string;
  faults: Fault[];
}

/** Draws a terminal's lasting traits; a few draw lasting faults. */
export function drawProfile(rng: Random): TerminalProfile {
  const environment = rng.weighted<Environment>([['indoor', 60], ['outdoor', 10], ['dusty', 10], ['hot', 10], ['humid', 10]]);
  const type = rng.weighted<NetworkType>([['ethernet', 30], ['wifi', 45], ['cellular', 25]]);
  const faults: Fault[] = [];
  const weak = type !== 'ethernet' && rng.chance(type === 'wifi' ? 0.25 : 0.3);
  if (weak) faults.push('weak_network');
  const dusty = environment === 'dusty' ? 0.03 : 0;
  const failureRate: Record<CardInterface, number> = {
    chip: rng.between(0.005, 0.03) + dusty,
    swipe: rng.between(0.02, 0.05) + dusty,
    contactless: rng.between(0.005, 0.02),
  };
  if (rng.chance(0.08)) {
    faults.push('dirty_chip_slot');
    failureRate.chip = rng.between(0.35, 0.7);
  }
  if (rng.chance(0.04)) {
    faults.push('broken_contactless_antenna');
    failureRate.contactless = rng.between(0.9, 1);
  }
  if (rng.chance(0.03)) faults.push('battery_not_charging');
  if (rng.chance(0.04)) faults.push('log_spam');
  if (rng.chance(0.01)) faults.push('encryption_off');
  return {
    environment,
    network: drawNetwork(rng, type, weak),
    docked: type === 'ethernet' || rng.chance(type === 'wifi' ? 0.5 : 0.15),
    busyness: rng.between(0.5, 1.5),
    failureRate,
    paperRollReceipts: rng.int(250, 400),
    rotatesPasswords: rng.chance(0.7),
    appVersion: rng.weighted([['3.2.0', 70], ['3.1.4', 22], ['2.9.9', 8]]),
    firmwareVersion: rng.weighted([['fw-9.1.2', 75], ['fw-9.0.7', 20], ['fw-8.4.0', 5]]),
    faults,
  };
}

function drawNetwork(rng: Random, type: NetworkType, weak: boolean): TerminalProfile['network'] {
  switch (type) {
    case 'ethernet':
      return { type, baseSignalDbm: undefined, baseLatencyMs: rng.between(5, 20), dropChancePerBeat: 0.001 };
    case 'wifi':
      return weak
        ? { type, baseSignalDbm: rng.between(-90, -78), baseLatencyMs: rng.between(150, 900), dropChancePerBeat: 0.03 }
        : { type, baseSignalDbm: rng.between(-65, -45), baseLatencyMs: rng.between(15, 60), dropChancePerBeat: 0.003 };
    case 'cellular':
      return weak
        ? { type, baseSignalDbm: rng.between(-118, -105), baseLatencyMs: rng.between(300, 2500), dropChancePerBeat: 0.03 }
        : { type, baseSignalDbm: rng.between(-95, -75), baseLatencyMs: rng.between(60, 150), dropChancePerBeat: 0.004 };
  }
}

