// `posfleet simulate`'s flags, read without running anything.
import { describe, expect, it } from 'vitest';
import { simulateSettings } from './simulate-flags.ts';

describe('posfleet simulate flags', () => {
  it('reads site profiles, speed, the simulated start and faulty builds', () => {
    expect(simulateSettings({
      sites: 'supermarket:5, cafe:3,convenience', speed: '120', startAt: '2026-11-25T10:00:00+08:00',
      failInstall: '3.5.0', failCardReads: '3.6.0,3.6.1', failTransactions: '3.7.0', crash: '3.8.0',
    })).toEqual({
      sites: [{ profile: 'supermarket', terminals: 5 }, { profile: 'cafe', terminals: 3 }, { profile: 'convenience', terminals: 1 }],
      speed: 120,
      startAt: new Date('2026-11-25T02:00:00.000Z'),
      faultyVersions: { installFails: ['3.5.0'], cardReadFailures: ['3.6.0', '3.6.1'], transactionFailures: ['3.7.0'], crashes: ['3.8.0'] },
    });
  });

  it('keeps the simulator’s defaults without flags: one shop, real time, no faulty build', () => {
    expect(simulateSettings({})).toEqual({
      sites: undefined, speed: 1, startAt: undefined, faultyVersions: { installFails: [], cardReadFailures: [], transactionFailures: [], crashes: [] },
    });
  });

  it('refuses a bad flag, naming it and what it takes', () => {
    expect(() => simulateSettings({ sites: 'bakery:2' })).toThrow(/^--sites: "bakery:2" is not profile:terminals; profiles are cafe, shop, restaurant, supermarket, convenience/);
    expect(() => simulateSettings({ sites: 'cafe:0' })).toThrow(/^--sites: "cafe:0"/);
    expect(() => simulateSettings({ sites: ' , ' })).toThrow(/^--sites: give at least one/);
    expect(() => simulateSettings({ speed: '0' })).toThrow(/^--speed: /);
    expect(() => simulateSettings({ speed: 'fast' })).toThrow(/^--speed: /);
    expect(() => simulateSettings({ startAt: '2026-11-25 10:00' })).toThrow(/^--start-at: /);
    expect(() => simulateSettings({ crash: '3.8.0,../x' })).toThrow(/^--crash: "..\/x" is not a version/);
  });
});
