import { describe, expect, it } from 'vitest';
import { installedVersion, reportsVersion, versionColumn } from './installed-version.ts';

describe('the installed version of a package kind', () => {
  const terminal = { id: 't1', appVersion: '2.4.0', firmwareVersion: '1.1.0' };
  const lastInstalled = new Map([['t1', '3.0.0']]);

  it('is the reported one for applications and firmware, whatever a campaign installed', () => {
    expect(installedVersion('application', terminal, lastInstalled)).toBe('2.4.0');
    expect(installedVersion('firmware', terminal, lastInstalled)).toBe('1.1.0');
    expect(installedVersion('application', { ...terminal, appVersion: null }, lastInstalled)).toBeNull();
    expect([reportsVersion('application'), reportsVersion('firmware'), reportsVersion('parameters')]).toEqual([true, true, false]);
  });

  it('is the last successful campaign\'s for other kinds, and none when no campaign installed one', () => {
    expect(installedVersion('parameters', terminal, lastInstalled)).toBe('3.0.0');
    expect(installedVersion('parameters', { ...terminal, id: 't2' }, lastInstalled)).toBeNull();
  });

  it('names the terminals column that holds it', () => {
    expect([versionColumn('application'), versionColumn('firmware'), versionColumn('parameters')]).toEqual(['app_version', 'firmware_version', null]);
  });
});
