import { describe, expect, it } from 'vitest';
import { DEFAULT_FOUR_EYES, expiryOf, needsApproval, parseKinds, refusalOf } from './approvals.rules.ts';

const now = new Date('2026-12-07T08:00:00.000Z');
const pending = { kind: 'campaign' as const, state: 'awaiting_approval' as const, requestedBy: 'alice', expiresAt: expiryOf(now, DEFAULT_FOUR_EYES) };

describe('four eyes rules', () => {
  it('holds a campaign only above the terminal threshold', () => {
    expect(needsApproval({ kind: 'campaign', terminals: 500 }, DEFAULT_FOUR_EYES)).toBe(false);
    expect(needsApproval({ kind: 'campaign', terminals: 501 }, DEFAULT_FOUR_EYES)).toBe(true);
    expect(needsApproval({ kind: 'role_change' }, DEFAULT_FOUR_EYES)).toBe(true);
    expect(needsApproval({ kind: 'role_change' }, { ...DEFAULT_FOUR_EYES, kinds: ['campaign'] })).toBe(false);
  });

  it('refuses the requester, a person without the permission, a decided or an expired request', () => {
    expect(refusalOf(pending, { userId: 'alice', name: 'Alice', role: 'admin' }, now)).toBe('own_request');
    expect(refusalOf(pending, { userId: 'carol', name: 'Carol', role: 'support' }, now)).toBe('no_permission');
    expect(refusalOf(pending, { userId: 'bob', name: 'Bob', role: 'operator' }, now)).toBeNull();
    expect(refusalOf({ ...pending, state: 'approved' }, { userId: 'bob', name: 'Bob', role: 'operator' }, now)).toBe('decided');
    expect(refusalOf(pending, { userId: 'bob', name: 'Bob', role: 'operator' }, new Date(now.getTime() + 24 * 3_600_000))).toBe('expired');
    expect(refusalOf({ ...pending, kind: 'role_change' }, { userId: 'bob', name: 'Bob', role: 'operator' }, now)).toBe('no_permission');
  });

  it('reads the FOUR_EYES setting', () => {
    expect(parseKinds(undefined)).toHaveLength(5);
    expect(parseKinds('off')).toEqual([]);
    expect(parseKinds('campaign, role_change')).toEqual(['campaign', 'role_change']);
    expect(() => parseKinds('campaign,launch')).toThrow(/unknown: launch/);
  });
});
