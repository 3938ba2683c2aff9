// Terminal configuration's wire shapes: parameter schemas, values per level, versions and diffs, the
// effective configuration of a terminal, and what the terminal protocol carries (defined once here and
// imported by the device protocol, the SDK and the dashboard).
import { Type, type Static } from 'typebox';
import { Timestamp } from '../shared/http-schemas.ts';
import { LEVELS, PARAMETER_TYPES } from './parameters.ts';

const Localised = Type.Object({ 'zh-CN': Type.Optional(Type.String({ maxLength: 200 })), en: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const Column = Type.Object({
  type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('integer'), Type.Literal('boolean')]),
  pattern: Type.Optional(Type.String({ maxLength: 500 })),
  maxLength: Type.Optional(Type.Integer({ minimum: 0 })),
  minimum: Type.Optional(Type.Number()),
  maximum: Type.Optional(Type.Number()),
  required: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const ParameterSpecSchema = Type.Object({
  type: Type.Enum(PARAMETER_TYPES),
  title: Type.Optional(Localised),
  required: Type.Optional(Type.Boolean()),
  default: Type.Optional(Type.Unknown()),
  secret: Type.Optional(Type.Boolean({ description: 'never shown: diffs, history and pages print ******' })),
  applies: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('maintenance')], {
    description: 'live: applied while trading (receipt footer); maintenance: needs the terminal out of service (acquirer host, keys)',
  })),
  merchantEditable: Type.Optional(Type.Boolean({ description: "a merchant's users may set it for their own merchant, sites and terminals" })),
  levels: Type.Optional(Type.Array(Type.Enum(LEVELS), { minItems: 1, description: 'the levels it may be set at (all when absent)' })),
  unique: Type.Optional(Type.Object({
    per: Type.String({ description: 'the parameter naming the acquirer' }),
    among: Type.Union([Type.Literal('terminal'), Type.Literal('merchant')], { description: 'terminal: no two terminals share it (TID); merchant: no two merchants (MID)' }),
  }, { additionalProperties: false })),
  enum: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number()]), { maxItems: 500 })),
  pattern: Type.Optional(Type.String({ maxLength: 500 })),
  minLength: Type.Optional(Type.Integer({ minimum: 0 })),
  maxLength: Type.Optional(Type.Integer({ minimum: 0 })),
  minimum: Type.Optional(Type.Number()),
  maximum: Type.Optional(Type.Number()),
  items: Type.Optional(Column),
  columns: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Column)),
  maxItems: Type.Optional(Type.Integer({ minimum: 0 })),
}, { additionalProperties: false });

export const SchemaInput = Type.Object({
  application: Type.String({ minLength: 1, maxLength: 100 }),
  version: Type.String({ minLength: 1, maxLength: 40, description: "the application's version this schema belongs to" }),
  packageId: Type.Optional(Type.String({ maxLength: 64, description: 'the signed package of that version, when it is registered' })),
  parameters: Type.Record(Type.String({ maxLength: 64 }), ParameterSpecSchema),
}, { additionalProperties: false });
export type SchemaInput = Static<typeof SchemaInput>;

export const SchemaView = Type.Object({
  id: Type.String(),
  application: Type.String(),
  version: Type.String(),
  packageId: Type.Union([Type.String(), Type.Null()]),
  parameters: Type.Record(Type.String(), Type.Unknown()),
  current: Type.Boolean({ description: 'the schema values are checked against and terminals receive' }),
  createdBy: Type.String(),
  createdAt: Timestamp,
});
export type SchemaView = Static<typeof SchemaView>;

export const Level = Type.Enum(LEVELS);
export const LevelParams = Type.Object({
  level: Level,
  scopeId: Type.String({ minLength: 1, maxLength: 64, description: "the merchant's, site's, group's or terminal's id; `fleet` for the fleet" }),
});
export type LevelParams = Static<typeof LevelParams>;

export const Change = Type.Object({ parameter: Type.String(), old: Type.Unknown(), new: Type.Unknown() });

export const LevelView = Type.Object({
  level: Level,
  scopeId: Type.String(),
  version: Type.Integer({ description: 'the number of changes this level has had; send it back as expectedVersion' }),
  values: Type.Record(Type.String(), Type.Unknown(), { description: 'secrets show as ******' }),
});

export const SetInput = Type.Object({
  values: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { description: 'parameters to set at this level; null removes one (the level above applies again)' }),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  expectedVersion: Type.Optional(Type.Integer({ minimum: 0, description: 'refused with 409 when the level changed since' })),
  delivery: Type.Optional(Type.Union([Type.Literal('campaign'), Type.Literal('now')], {
    description: "a change that needs terminals out of service: 'campaign' (default) holds it pending until a configuration campaign delivers it; 'now' applies it at once (terminals not trading yet)",
  })),
}, { additionalProperties: false });
export type SetInput = Static<typeof SetInput>;

export const DiffView = Type.Object({
  level: Level,
  scopeId: Type.String(),
  changes: Type.Array(Change, { description: 'old → new, secrets masked' }),
  terminals: Type.Integer({ description: 'terminals whose effective configuration this changes' }),
  needsMaintenance: Type.Boolean({ description: 'a changed parameter needs the terminal out of service' }),
});

export const VersionView = Type.Object({
  version: Type.Integer(),
  changes: Type.Array(Change),
  reason: Type.String(),
  revertsTo: Type.Union([Type.Integer(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Timestamp,
});
export type VersionView = Static<typeof VersionView>;

const CHANGE_STATES = ['pending', 'delivering', 'applied', 'rolled_back', 'cancelled', 'discarded'] as const;
export const ChangeView = Type.Object({
  id: Type.String(),
  level: Level,
  scopeId: Type.String(),
  changes: Type.Array(Change, { description: 'old → new when it was made, secrets masked' }),
  reason: Type.String(),
  state: Type.Enum(CHANGE_STATES, {
    description: "pending: held back, not live; delivering: its campaign runs; applied: a version of its level; rolled_back: no terminal runs it any more; cancelled: its delivery stopped (the campaign cancelled, or a follow-up rolled back) and `holders` terminals keep it — the level's version stays the one before it, until its campaign is rolled back (then rolled_back) or it is delivered again; discarded",
  }),
  campaignId: Type.Union([Type.String(), Type.Null()]),
  version: Type.Union([Type.Integer(), Type.Null()], { description: "the level's version it became" }),
  terminals: Type.Integer({ description: 'terminals under its level' }),
  holders: Type.Integer({ description: 'terminals that run it (while delivering, and those that keep it once cancelled)' }),
  waiting: Type.Integer({ description: 'while delivering: terminals under its level still on the configuration before it (not reached yet, or skipped and waiting for a follow-up campaign in their next window)' }),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ChangeView = Static<typeof ChangeView>;

export const SetResult = Type.Object({
  ...DiffView.properties, version: Type.Integer(),
  pending: Type.Optional(Type.Union([ChangeView, Type.Null()], { description: 'the change held pending for a configuration campaign (it is not live yet)' })),
});

export const ChangeCampaignInput = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  waves: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 10, description: 'cumulative shares of the terminals, in %' })),
  maxFailureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  observeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 60 })),
  singleTerminalSites: Type.Optional(Type.Union([Type.Literal('hold'), Type.Literal('when_closed'), Type.Literal('allow')])),
  singleTerminalSitesReason: Type.Optional(Type.String({ minLength: 3, maxLength: 500 })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })),
}, { additionalProperties: false });
export type ChangeCampaignInput = Static<typeof ChangeCampaignInput>;

export const ChangeListQuery = Type.Object({
  state: Type.Optional(Type.Enum(CHANGE_STATES)),
  level: Type.Optional(Level),
  scopeId: Type.Optional(Type.String({ maxLength: 64 })),
}, { additionalProperties: false });

export const RevertInput = Type.Object({
  version: Type.Integer({ minimum: 0, description: 'the version whose values this level gets back (0: none of its own)' }),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
}, { additionalProperties: false });
export type RevertInput = Static<typeof RevertInput>;

export const Source = Type.Object({ level: Type.Union([Level, Type.Literal('default')]), scopeId: Type.String() });
export const EffectiveView = Type.Object({
  terminalId: Type.String(),
  hash: Type.String({ description: 'SHA-256 of the canonical JSON of the values' }),
  appliedHash: Type.Union([Type.String(), Type.Null()], { description: 'the hash the terminal last reported applying' }),
  differing: Type.Array(Type.String(), { description: 'parameters the terminal reported as different' }),
  parameters: Type.Array(Type.Object({ name: Type.String(), value: Type.Unknown(), source: Source, secret: Type.Boolean(), applies: Type.String(), merchantEditable: Type.Boolean() })),
});

export const GroupInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  filter: Type.Object({
    merchantId: Type.Optional(Type.String({ maxLength: 64 })),
    siteId: Type.Optional(Type.String({ maxLength: 64 })),
    modelId: Type.Optional(Type.String({ maxLength: 64 })),
    tag: Type.Optional(Type.String({ maxLength: 64 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });
export type GroupInput = Static<typeof GroupInput>;
export const GroupView = Type.Object({ id: Type.String(), name: Type.String(), filter: GroupInput.properties.filter, createdAt: Timestamp });

export const CsvImportResult = Type.Object({ terminals: Type.Integer({ description: 'terminals whose values changed' }) });

// ---- terminal protocol
export const ConfigurationReport = Type.Object({
  appliedHash: Type.String({ maxLength: 64, description: 'hash of the configuration the terminal applied' }),
  differing: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000, description: 'on a mismatch: the parameters that differ from what the server sent' })),
}, { description: 'the configuration this terminal runs with' });
export type ConfigurationReport = Static<typeof ConfigurationReport>;

export const ConfigurationHint = Type.Union([Type.Object({
  hash: Type.String({ description: 'the effective configuration: when it differs from the applied one, GET /device/v1/configuration' }),
}), Type.Null()]);
export type ConfigurationHint = Static<typeof ConfigurationHint>;

export const DeviceConfiguration = Type.Object({
  hash: Type.String(),
  application: Type.String(),
  schemaVersion: Type.String(),
  parameters: Type.Record(Type.String(), Type.Unknown(), { description: "the schema's parameters, so the terminal checks values before applying them" }),
  values: Type.Record(Type.String(), Type.Unknown()),
});
export type DeviceConfiguration = Static<typeof DeviceConfiguration>;
