// The security API's shapes: settings, a site's geofence, acquirer key policies, a terminal's security
// view and the key inventory. What terminals send is in src/shared/terminal-security.ts.
import { Type, type Static } from 'typebox';
import { Timestamp } from '../shared/http-schemas.ts';
import { TAG } from '../shared/patterns.ts';
import { KEY_TYPES, KeySlot } from '../shared/terminal-security.ts';

export const SecuritySettingsView = Type.Object({
  relocationGraceMinutes: Type.Integer({ description: 'outside its fence or on a new network this long opens a case' }),
  lockOnRelocation: Type.Boolean({ description: 'lock a relocated terminal and order its 9.5.1.2 inspection when its case opens' }),
  mobileTags: Type.Array(Type.String(), { description: 'terminals with one of these tags move by design: never a relocation case' }),
  keyExpiryWarningDays: Type.Integer({ description: 'a required key expiring within this many days opens a key_expiring incident' }),
});

export const SecuritySettingsInput = Type.Object({
  relocationGraceMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080 })),
  lockOnRelocation: Type.Optional(Type.Boolean()),
  mobileTags: Type.Optional(Type.Array(Type.String({ pattern: TAG }), { maxItems: 20, uniqueItems: true })),
  keyExpiryWarningDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
}, { additionalProperties: false });
export type SecuritySettingsInput = Static<typeof SecuritySettingsInput>;

const Fence = Type.Object({
  latitude: Type.Number({ minimum: -90, maximum: 90 }),
  longitude: Type.Number({ minimum: -180, maximum: 180 }),
  radiusM: Type.Integer({ minimum: 50, maximum: 100_000 }),
});

export const GeofenceInput = Type.Object({
  latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90, description: 'default: the site\'s own latitude' })),
  longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180, description: 'default: the site\'s own longitude' })),
  radiusM: Type.Integer({ minimum: 50, maximum: 100_000, description: 'metres from the centre' }),
}, { additionalProperties: false });
export type GeofenceInput = Static<typeof GeofenceInput>;

export const GeofenceView = Type.Object({ siteId: Type.String(), geofence: Type.Union([Fence, Type.Null()], { description: 'null: the site has no fence (the default)' }) });

export const KeyPolicyInput = Type.Object({
  acquirer: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'the value of the acquirer parameter' }),
  keyType: Type.Enum(KEY_TYPES),
  bdkId: Type.Optional(Type.String({ minLength: 1, maxLength: 16, pattern: '^[0-9A-Za-z]+$' })),
  kcv: Type.Optional(Type.String({ pattern: '^[0-9A-Fa-f]{4,6}$', description: 'the key check value the terminal\'s key must have' })),
}, { additionalProperties: false });
export type KeyPolicyInput = Static<typeof KeyPolicyInput>;

export const KeyPolicyView = Type.Object({
  acquirer: Type.String(), keyType: Type.Enum(KEY_TYPES), bdkId: Type.Union([Type.String(), Type.Null()]), kcv: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Timestamp, updatedBy: Type.String(),
});

export const KeyPolicyParams = Type.Object({ acquirer: Type.String({ minLength: 1, maxLength: 64 }), keyType: Type.Enum(KEY_TYPES) });

const KeyProblemView = Type.Object({
  rule: Type.Enum(['key_missing', 'key_mismatch', 'key_expiring'] as const),
  keyType: Type.Enum(KEY_TYPES),
  slot: Type.Union([Type.Integer(), Type.Null()]),
  deadline: Timestamp,
  expected: Type.Optional(Type.Object({ bdkId: Type.Union([Type.String(), Type.Null()]), kcv: Type.Union([Type.String(), Type.Null()]) })),
  found: Type.Optional(Type.Object({ bdkId: Type.Union([Type.String(), Type.Null()]), kcv: Type.Union([Type.String(), Type.Null()]) })),
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const TerminalSecurityView = Type.Object({
  terminalId: Type.String(),
  location: Nullable(Type.Object({
    seenAt: Timestamp, latitude: Nullable(Type.Number()), longitude: Nullable(Type.Number()), accuracyM: Nullable(Type.Number()),
    cellId: Nullable(Type.String()), bssid: Nullable(Type.String()), sourceAddress: Nullable(Type.String()),
    distanceM: Nullable(Type.Number({ description: 'from the site\'s geofence centre' })),
    suspectSince: Nullable(Timestamp), suspectReasons: Type.Unknown(), caseId: Nullable(Type.String()),
  })),
  geofence: Nullable(Fence),
  networks: Type.Array(Type.Object({ kind: Type.Enum(['bssid', 'cell', 'subnet'] as const), value: Type.String(), firstSeenAt: Timestamp }), { description: 'the networks this terminal is usually seen on' }),
  fingerprint: Type.Object({
    status: Type.Enum(['bound', 'unbound'] as const, { description: 'unbound: enrolled before fingerprints; binds on its first fingerprinted heartbeat' }),
    serial: Type.Optional(Type.String()), pinPadSerial: Type.Optional(Type.String()), secureProcessorId: Type.Optional(Type.String()),
  }),
  acquirer: Nullable(Type.String()),
  keySlots: Type.Array(KeySlot),
  keyProblems: Type.Array(KeyProblemView),
  keyInjections: Type.Array(Type.Object({ jobId: Type.String(), outcome: Type.Enum(['succeeded', 'failed'] as const), recordedAt: Timestamp, slots: Type.Array(KeySlot), problems: Type.Array(KeyProblemView) })),
});

export const KeyInventoryView = Type.Object({
  generatedAt: Timestamp,
  expiryWarningDays: Type.Integer(),
  items: Type.Array(Type.Object({
    terminalId: Type.String(), serialNumber: Type.String(), siteId: Nullable(Type.String()), siteName: Nullable(Type.String()), merchantId: Nullable(Type.String()),
    acquirer: Nullable(Type.String()),
    reported: Type.Boolean({ description: 'false: the terminal has not reported its key slots (an SDK without key reporting)' }),
    slots: Type.Array(KeySlot), problems: Type.Array(KeyProblemView),
  })),
});
