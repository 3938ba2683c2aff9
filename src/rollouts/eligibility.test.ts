// May a package go to a terminal? Without a database.
import { describe, expect, it } from 'vitest';
import { exclusionOf, isAtLeast, isOlder, normalVersion } from './eligibility.ts';

const app = { version: '3.3.0', compatibleModels: ['A920', 'A80'], minInstalledVersion: '3.0.0' };

describe('eligibility of a terminal for a package', () => {
  it('lets a package go to a compatible terminal on an older version at or above the minimum', () => {
    expect(exclusionOf(app, 'A920', '3.2.0', false)).toBeNull();
    expect(exclusionOf(app, 'A80', '3.0.0', false)).toBeNull();
    expect(exclusionOf({ ...app, minInstalledVersion: null }, 'A920', null, false)).toBeNull();
  });

  it('names why a terminal may not receive it', () => {
    expect(exclusionOf(app, 'S920', '3.2.0', false)).toBe('incompatible_model');
    expect(exclusionOf(app, 'A920', '3.3.0', false)).toBe('already_installed');
    // Looser version text is read as the nearest semantic version.
    expect(exclusionOf({ ...app, version: '2.4.0' }, 'A920', '2.4', false)).toBe('already_installed');
    expect(exclusionOf(app, 'A920', '3.4.1', false)).toBe('downgrade');
    expect(exclusionOf(app, 'A920', '2.9.9', false)).toBe('below_minimum_version');
    // A terminal whose version is unknown cannot be shown to meet a minimum.
    expect(exclusionOf(app, 'A920', null, false)).toBe('below_minimum_version');
  });

  it('allows an older version only when the campaign says so, as a rollback does', () => {
    expect(exclusionOf(app, 'A920', '3.4.1', true)).toBeNull();
    expect(exclusionOf(app, 'A920', '3.3.0', true)).toBe('already_installed');
  });

  it('compares versions semantically, not as text', () => {
    expect(exclusionOf({ ...app, version: '3.10.0' }, 'A920', '3.9.0', false)).toBeNull();
    expect(isOlder('3.9.0', '3.10.0')).toBe(true);
    expect(isAtLeast('3.10.0', '3.9.0')).toBe(true);
    expect(isAtLeast('v3.3', '3.3.0')).toBe(true);
  });

  it('treats versions it cannot read as neither older nor newer', () => {
    expect(normalVersion('not a version')).toBeNull();
    expect(normalVersion(null)).toBeNull();
    expect(normalVersion('2.4')).toBe('2.4.0');
    expect(isOlder(null, '3.0.0')).toBe(false);
    expect(isAtLeast(null, '3.0.0')).toBe(false);
    expect(isOlder('unknown', '3.0.0')).toBe(false);
  });
});
