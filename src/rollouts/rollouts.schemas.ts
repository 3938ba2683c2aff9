// Shapes of the rollout API: publisher keys, packages, campaigns with their waves, the fleet's
// versions, and the terminal protocol's deployments and feedback.
import { Type, type Static } from 'typebox';
import { PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { TAG, VERSION } from '../shared/patterns.ts';
import { WAITING_CODES } from '../shared/job-states.ts';
import { ACTION_STATES, FEEDBACK_STATUSES, SKIP_REASONS } from './action-states.ts';

export const PACKAGE_KINDS = ['application', 'firmware', 'configuration', 'parameters'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];
export const CAMPAIGN_STATES = ['running', 'paused', 'halted', 'completed', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
/** Campaigns that still need an operator's eye: the overview lists them, the live stream follows them. */
export const IN_PROGRESS: readonly CampaignState[] = ['running', 'paused', 'halted'];
export const WAVE_STATES = ['pending', 'installing', 'observing', 'passed', 'failed', 'cancelled'] as const;
export type WaveState = (typeof WAVE_STATES)[number];

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const PackageName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'lower-case hex' });
const Notes = Type.Object({ 'zh-CN': Type.String({ maxLength: 4000 }), en: Type.String({ maxLength: 4000 }) }, { additionalProperties: false });

export const PublisherKeyInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    publicKey: Type.String({ minLength: 1, maxLength: 2000, description: 'Ed25519 public key, PEM (SPKI), e.g. from `posfleet keys generate`' }),
  },
  { additionalProperties: false },
);
export type PublisherKeyInput = Static<typeof PublisherKeyInput>;

export const PublisherKeyView = Type.Object({
  id: Type.String({ description: 'the key fingerprint' }),
  name: Type.String(),
  publicKey: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  revokedAt: Nullable(Timestamp),
});
export type PublisherKeyView = Static<typeof PublisherKeyView>;

export const PackageInput = Type.Object(
  {
    kind: Type.Enum(PACKAGE_KINDS),
    name: PackageName,
    version: Type.String({ pattern: VERSION, description: 'semantic version, e.g. 2.4.1' }),
    fileName: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' }),
    size: Type.Integer({ minimum: 1, description: 'bytes' }),
    sha256: Sha256,
    signature: Type.String({ minLength: 1, maxLength: 200, description: 'base64 Ed25519 signature of the package statement (see `posfleet package sign`)' }),
    keyId: Id,
    compatibleModels: Type.Array(Id, { minItems: 1, maxItems: 200, uniqueItems: true, description: 'terminal model ids' }),
    minInstalledVersion: Type.Optional(Type.String({ pattern: VERSION })),
    securityPatch: Type.Optional(Type.Boolean({ default: false })),
    releaseNotes: Type.Optional(Notes),
    parameters: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
      description: "an application package's parameter schema (as POST /api/v1/configuration/schemas takes it), from its manifest: signed with the package (see `posfleet package sign --parameters`) and registered as this version's schema when the content arrives",
    })),
  },
  { additionalProperties: false },
);
export type PackageInput = Static<typeof PackageInput>;

export const PackageView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  version: Type.String(),
  fileName: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  sha1: Nullable(Type.String()),
  md5: Nullable(Type.String()),
  signature: Type.String(),
  keyId: Type.String(),
  compatibleModels: Type.Array(Type.String()),
  minInstalledVersion: Nullable(Type.String()),
  securityPatch: Type.Boolean(),
  releaseNotes: Notes,
  parametersSha256: Nullable(Type.String({ description: 'SHA-256 of the canonical JSON of the parameter schema the package carries (signed with it); null: none' })),
  ready: Type.Boolean({ description: 'its content arrived and matched its hash and signature' }),
  uploadedAt: Nullable(Timestamp),
  createdBy: Type.String(),
  createdAt: Timestamp,
});
export type PackageView = Static<typeof PackageView>;

export const PackageListQuery = Type.Object(
  { ...PageQuery, kind: Type.Optional(Type.Enum(PACKAGE_KINDS)), name: Type.Optional(PackageName) },
  { additionalProperties: false },
);
export type PackageListQuery = Static<typeof PackageListQuery>;

export const SINGLE_TERMINAL_SITES = ['hold', 'when_closed', 'allow'] as const;
export type SingleTerminalSites = (typeof SINGLE_TERMINAL_SITES)[number];

export const CampaignFilter = Type.Object(
  {
    merchantId: Type.Optional(Id),
    siteId: Type.Optional(Id),
    modelId: Type.Optional(Id),
    tag: Type.Optional(Type.String({ pattern: TAG })),
    installedVersion: Type.Optional(Type.String({ pattern: VERSION, description: "only terminals on this version of the package's kind" })),
  },
  { additionalProperties: false },
);
export type CampaignFilter = Static<typeof CampaignFilter>;

export const CampaignInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    packageId: Id,
    filter: CampaignFilter,
    waves: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 10, default: [1, 10, 50, 100], description: 'cumulative shares of the target, in %' })),
    maxFailureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.1, description: 'share of a wave whose install may fail before the campaign halts' })),
    observeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 24 * 60, default: 60, description: "after a wave installed, payments are watched this long before the next wave" })),
    allowDowngrade: Type.Optional(Type.Boolean({ default: false })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, description: 'makes the draw of terminals into waves repeatable' })),
    singleTerminalSites: Type.Optional(Type.Enum(SINGLE_TERMINAL_SITES, {
      default: 'hold',
      description: "a terminal alone at its site: 'hold' (the continuity rule keeps it in service: it is not updated), 'when_closed' (updated inside its window only while the site is closed by its opening hours), 'allow' (updated inside its window; give singleTerminalSitesReason)",
    })),
    singleTerminalSitesReason: Type.Optional(Type.String({ minLength: 3, maxLength: 500, description: "why single-terminal sites may go without a terminal in service; required with 'allow'" })),
    reason: Type.Optional(Type.String({ maxLength: 500, description: 'why, for the second person: required when the campaign reaches more terminals than the four-eyes threshold (FOUR_EYES_CAMPAIGN_TERMINALS)' })),
  },
  { additionalProperties: false },
);
export type CampaignInput = Static<typeof CampaignInput>;

export const Tally = Type.Record(Type.String(), Type.Integer());

export const CampaignProgress = Type.Object({
  id: Type.String(), name: Type.String(), state: Type.Enum(CAMPAIGN_STATES), currentWave: Type.Integer({ description: '1-based' }), waves: Type.Integer(),
  createdAt: Timestamp, updatedAt: Timestamp, actions: Type.Array(Tally, { description: "each wave's installs by state" }),
});
export type CampaignProgress = Static<typeof CampaignProgress>;

/**
 * A sentence's parameters (src/shared/messages/said.ts): text or numbers, or a list of sentences said first
 * (the figures that halted a wave) and joined.
 */
const SaidParams = Type.Record(Type.String(), Type.Union([
  Type.String(), Type.Number(),
  Type.Array(Type.Object({ key: Type.String(), params: Type.Record(Type.String(), Type.Unknown()) })),
]), { description: "the parameters of the catalogue's message; a list parameter holds sentences ({ key, params }) said in the same language and joined" });
const ReasonKey = Type.String({ description: "the message catalogue's key (src/shared/messages/*.json) of the English text beside it, to say it in the reader's language with its params" });

const MetricView = Type.Object({
  metric: Type.String(), updated: Type.Number(), comparison: Type.Number(), difference: Type.Number(), z: Type.Number(), worse: Type.Boolean(),
  basis: Type.Optional(Type.Union([Type.Literal('change'), Type.Literal('groups')], {
    description: "change: each group's rate after the update against its own before it, and difference = (updated − comparison after) − baselineWeight × (updated − comparison before); groups: no figures from before, difference = updated minus comparison",
  })),
  updatedBefore: Type.Optional(Nullable(Type.Number({ description: "the updated terminals' rate before the update" }))),
  comparisonBefore: Type.Optional(Nullable(Type.Number({ description: "the comparable terminals' rate over the same baseline hours" }))),
  baselineWeight: Type.Optional(Type.Number({
    description: "change basis: how much of the difference before the update is taken away (0–1), n / (n + 50) for the updated terminals' n card reads (transactions; for reboots n terminal-hours, half at 5) before it",
  })),
});

export const WaveView = Type.Object({
  wave: Type.Integer({ description: '1-based' }),
  percent: Type.Number(),
  state: Type.Enum(WAVE_STATES),
  terminals: Type.Integer(),
  actions: Tally,
  startedAt: Nullable(Timestamp),
  installedAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  verdict: Nullable(Type.Object({
    failureRate: Type.Number(),
    payments: Nullable(Type.Object({
      worse: Type.Boolean(), judged: Type.Boolean(), note: Nullable(Type.String({ description: 'why payments were not judged, in English' })), metrics: Type.Array(MetricView),
      noteKey: Type.Optional(ReasonKey), noteParams: Type.Optional(SaidParams),
    })),
    acceptedBy: Type.Optional(Type.String({ description: 'the operator who resumed after a halt on payments, accepting these figures' })),
    note: Type.Optional(Nullable(Type.String())),
  })),
  waiting: Type.Optional(Nullable(Type.Object({
    code: Type.Enum(['halted_payments', 'halted_installs', 'paused', 'window', 'continuity', 'spare', 'no_room', 'observing'], {
      description: "why the wave waits: halted (payments or installs), paused, for a maintenance window (at, site), continuity (a site's last working terminal stays in service), a spare to be switched on, no room under the limits yet, observing payments until at",
    }),
    terminals: Type.Integer({ description: 'terminals waiting for it' }),
    at: Nullable(Timestamp),
    site: Nullable(Type.Object({ id: Type.String(), name: Type.String(), timeZone: Type.String() })),
    detail: Nullable(Type.String({ description: "the engine's own words (English)" })),
  }, { description: 'the current wave only: why it waits, for the dashboard to say in words' }))),
});

export const CampaignView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  package: Type.Object({ id: Type.String(), kind: Type.String(), name: Type.String(), version: Type.String() }),
  rollbackOf: Nullable(Type.String()),
  filter: CampaignFilter,
  settings: Type.Object({
    waves: Type.Array(Type.Number()), maxFailureRate: Type.Number(), observeMinutes: Type.Integer(), allowDowngrade: Type.Boolean(), seed: Type.Integer(),
    singleTerminalSites: Type.Enum(SINGLE_TERMINAL_SITES), singleTerminalSitesReason: Nullable(Type.String()),
  }),
  state: Type.Enum(CAMPAIGN_STATES),
  currentWave: Type.Integer({ description: '1-based' }),
  halt: Nullable(Type.Object({
    wave: Type.Integer(), kind: Type.Enum(['installs', 'payments'], { description: 'what stopped it' }),
    reason: Type.String({ description: "why, in the engine's own words (English, for the log and older clients)" }),
    reasonKey: Type.Optional(ReasonKey), reasonParams: Type.Optional(SaidParams), at: Timestamp, figures: Type.Unknown(),
  })),
  excluded: Type.Record(Type.String(), Type.Integer(), { description: 'terminals the filter matched but the package may not go to, by reason' }),
  leftOut: Type.Optional(Type.Array(Type.Object({
    terminalId: Type.String(), serialNumber: Nullable(Type.String()), previousVersion: Nullable(Type.String()), reason: Type.String(),
  }), { description: "a rollback only: the updated terminals it could not take back (their previous version has no ready package, or is not known), each with the reason" })),
  waves: Type.Array(WaveView),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  endedAt: Nullable(Timestamp),
});
export type CampaignView = Static<typeof CampaignView>;

const Count = Type.Integer({ minimum: 0 });
export const CampaignPreview = Type.Object({
  package: Type.Object({ id: Type.String(), name: Type.String(), version: Type.String() }),
  matched: Type.Integer({ description: 'terminals the filter matches' }),
  terminals: Type.Integer({ description: 'of those, the terminals the campaign would reach (the others are in excluded, by reason)' }),
  excluded: Type.Record(Type.String(), Type.Integer()),
  bySite: Type.Array(Type.Object({ siteId: Nullable(Type.String()), name: Nullable(Type.String()), terminals: Count })),
  byModel: Type.Array(Type.Object({ modelId: Type.String(), name: Type.String(), terminals: Count })),
  byVersion: Type.Array(Type.Object({ version: Nullable(Type.String({ description: 'the installed version; null: not known' })), terminals: Count })),
  waves: Type.Array(Type.Object({ wave: Type.Integer({ description: '1-based' }), percent: Type.Number(), terminals: Count })),
  stopTrading: Type.Object({
    terminals: Type.Integer({ description: 'terminals that stop trading for their install, each inside its maintenance window' }),
    windows: Type.Array(Type.Object({
      id: Type.String(), name: Type.String(), start: Timestamp, end: Timestamp,
      localStart: Type.String({ description: "in the window's own time zone (the site's)" }), localEnd: Type.String(), terminals: Count,
    }, { description: "the next occurrence of a maintenance window, as the planner would choose it now (a dry run; later waves take later occurrences)" })),
    notPlanned: Type.Record(Type.String(), Type.Integer(), { description: 'terminals no window can take now, by the planner\'s reason (no_window, offline, locked, longer_than_window, …)' }),
    singleTerminalSites: Type.Enum(SINGLE_TERMINAL_SITES, { description: 'what the continuity rule does with a terminal alone at its site' }),
    heldByContinuity: Type.Optional(Type.Integer({ description: "terminals that are their site's only one: with singleTerminalSites 'hold' the continuity rule keeps them in service, so they are not updated" })),
  }),
  needsApproval: Type.Boolean({ description: 'a second person must approve starting it (four eyes)' }),
  approvalThreshold: Type.Optional(Type.Integer({ description: 'campaigns to more terminals than this need a second person' })),
});
export type CampaignPreview = Static<typeof CampaignPreview>;

export const CampaignListQuery = Type.Object({ ...PageQuery, state: Type.Optional(Type.Enum(CAMPAIGN_STATES)) }, { additionalProperties: false });
export type CampaignListQuery = Static<typeof CampaignListQuery>;

export const CampaignSummary = Type.Object({
  id: Type.String(), name: Type.String(), packageId: Type.String(), state: Type.Enum(CAMPAIGN_STATES), currentWave: Type.Integer(), waves: Type.Integer(),
  rollbackOf: Nullable(Type.String()), createdAt: Timestamp, updatedAt: Timestamp,
});

export const CampaignAction = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export type CampaignAction = Static<typeof CampaignAction>;

export const ActionListQuery = Type.Object(
  { ...PageQuery, wave: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })), state: Type.Optional(Type.Enum(ACTION_STATES)) },
  { additionalProperties: false },
);
export type ActionListQuery = Static<typeof ActionListQuery>;

export const VersionChangeView = Type.Object({
  kind: Type.Enum(['application', 'firmware']), fromVersion: Nullable(Type.String()), toVersion: Type.String(), at: Timestamp,
  campaignId: Nullable(Type.String({ description: 'the campaign that installed it; null: installed outside PosFleet, or the version first reported' })),
});
export type VersionChangeView = Static<typeof VersionChangeView>;

export const ActionView = Type.Object({
  id: Type.Integer(),
  campaignId: Type.String(),
  terminalId: Type.String(),
  serialNumber: Type.String(),
  wave: Type.Integer(),
  packageId: Type.String(),
  previousVersion: Nullable(Type.String()),
  state: Type.Enum(ACTION_STATES),
  maintenanceJobId: Nullable(Type.String()),
  reason: Nullable(Type.String({ description: "why it was skipped, failed or withdrawn, in the engine's own words (English, for the log and older clients); a skipped one's code is skipReason" })),
  reasonKey: Nullable(ReasonKey),
  reasonParams: Nullable(SaidParams),
  skipReason: Nullable(Type.Enum(SKIP_REASONS, {
    description: 'a skipped install only: why, as a code to say in the reader\'s language — no_window (no maintenance window applies), longer_than_window (the install needs longer than its windows), offline or locked (when its wave was planned), job_aborted (its maintenance job was aborted), job_missing (its job vanished), job_ended_before_install (its job ended before the terminal began installing, e.g. its link was down through its window)',
  })),
  waiting: Nullable(Type.String({ description: "why its maintenance job has not started although it is due (the continuity rule, the window, the campaign's policy for single-terminal sites)" })),
  waitingCode: Nullable(Type.Enum(WAITING_CODES, { description: 'the same as a stable code, for saying it in the reader\'s language' })),
  updatedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  feedback: Type.Optional(Type.Array(Type.Object({ source: Type.String(), status: Type.String(), body: Type.Unknown(), effect: Type.String(), receivedAt: Timestamp }))),
});
export type ActionView = Static<typeof ActionView>;

export const FleetVersionsView = Type.Object({
  versions: Type.Array(Type.Object({ modelId: Type.String(), kind: Type.String(), version: Nullable(Type.String()), terminals: Type.Integer() })),
  securityPatch: Type.Array(Type.Object({
    kind: Type.String(), name: Type.String(), latestVersion: Type.String(), modelId: Type.String(), terminals: Type.Integer(), onLatest: Type.Integer(), share: Type.Number(),
  }), { description: 'per package name and model: the share of terminals on its latest security-patch version or newer' }),
  stuck: Type.Array(Type.Object({ actionId: Type.Integer(), campaignId: Type.String(), terminalId: Type.String(), state: Type.String(), since: Timestamp })),
  installedOutside: Type.Array(Type.Object({ terminalId: Type.String(), kind: Type.String(), fromVersion: Nullable(Type.String()), toVersion: Type.String(), at: Timestamp })),
});

// ---- terminal protocol
export { DeploymentHint } from '../shared/deployment-hint.ts';

export const DeploymentView = Type.Object({
  actionId: Type.Integer(),
  state: Type.Enum(ACTION_STATES),
  installAllowed: Type.Boolean(),
  maintenanceJobId: Nullable(Type.String()),
  package: Type.Object({
    id: Type.String(), kind: Type.String(), name: Type.String(), version: Type.String(), fileName: Type.String(), size: Type.Integer(),
    sha256: Type.String(), signature: Type.String(), keyId: Type.String(), publicKey: Type.String({ description: 'PEM of the publisher key, for the terminal to verify before installing' }),
    securityPatch: Type.Boolean(), releaseNotes: Notes, downloadUrl: Type.String(),
    parametersSha256: Type.Optional(Nullable(Type.String({ description: 'part of the signed statement when the package carries a parameter schema' }))),
  }),
});
export type DeploymentView = Static<typeof DeploymentView>;

export const FeedbackInput = Type.Object(
  {
    reportId: Type.String({ minLength: 1, maxLength: 64, description: "the terminal's id for this report; a retry repeats it" }),
    status: Type.Enum(FEEDBACK_STATUSES),
    progress: Type.Optional(Type.Object({ done: Type.Integer({ minimum: 0 }), of: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
    details: Type.Optional(Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type FeedbackInput = Static<typeof FeedbackInput>;

export const FeedbackAnswer = Type.Object({ actionId: Type.Integer(), state: Type.Enum(ACTION_STATES), changed: Type.Boolean(), effect: Type.String() });
