// HTTP shapes of the estate registry: merchants, sites, terminal models and terminals.
import { Type, type Static } from 'typebox';
import { PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { CODE, SERIAL, TAG, VERSION } from '../shared/patterns.ts';
import { RULES } from '../shared/rule-names.ts';

export const LOCALES = ['zh-CN', 'en'] as const;
export const ENVIRONMENTS = ['indoor', 'outdoor', 'dusty', 'hot', 'humid'] as const;
export const TERMINAL_STATUSES = ['in_stock', 'active', 'in_repair', 'retired'] as const;
/** Where a terminal is in its life: in stock, active at a site, in repair, retired. */
export type TerminalLifecycle = (typeof TERMINAL_STATUSES)[number];
export const isTerminalLifecycle = (value: string): value is TerminalLifecycle => (TERMINAL_STATUSES as readonly string[]).includes(value);
export const NETWORK_TYPES = ['ethernet', 'wifi', 'cellular'] as const;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

// ---- merchants
export const MerchantInput = Type.Object(
  {
    name: Text(200),
    contactEmail: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 254 }))),
    contactPhone: Type.Optional(Nullable(Type.String({ pattern: '^\\+?[0-9 ()-]{5,30}$' }))),
    timeZone: Type.String({ minLength: 1, maxLength: 64, default: 'Asia/Shanghai' }),
    locale: Type.Enum(LOCALES, { default: 'zh-CN' }),
  },
  { additionalProperties: false },
);
export type MerchantInput = Static<typeof MerchantInput>;
export const MerchantPatch = Type.Partial(MerchantInput, { additionalProperties: false });
export type MerchantPatch = Static<typeof MerchantPatch>;

export const Merchant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  contactEmail: Type.Union([Type.String(), Type.Null()]),
  contactPhone: Type.Union([Type.String(), Type.Null()]),
  timeZone: Type.String(),
  locale: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Merchant = Static<typeof Merchant>;

// ---- sites
const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' });
const Interval = Type.Object({ open: Clock, close: Clock }, { additionalProperties: false });
export const OpeningHours = Type.Object(
  Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Optional(Type.Array(Interval, { maxItems: 4 }))])),
  { additionalProperties: false },
);
export type OpeningHours = Partial<Record<(typeof WEEKDAYS)[number], { open: string; close: string }[]>>;

export const SiteInput = Type.Object(
  {
    merchantId: Text(64),
    code: Type.String({ pattern: CODE, description: 'short unique code, used in CSV files' }),
    name: Text(200),
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    latitude: Type.Optional(Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()])),
    longitude: Type.Optional(Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()])),
    timeZone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    openingHours: Type.Optional(OpeningHours),
    environment: Type.Optional(Type.Array(Type.Enum(ENVIRONMENTS), { uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type SiteInput = Static<typeof SiteInput>;
export const SitePatch = Type.Partial(SiteInput, { additionalProperties: false });
export type SitePatch = Static<typeof SitePatch>;

export const Site = Type.Object({
  id: Type.String(),
  merchantId: Type.String(),
  code: Type.String(),
  name: Type.String(),
  address: Type.Union([Type.String(), Type.Null()]),
  latitude: Type.Union([Type.Number(), Type.Null()]),
  longitude: Type.Union([Type.Number(), Type.Null()]),
  timeZone: Type.String({ description: "the site's own, or its merchant's" }),
  openingHours: OpeningHours,
  environment: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Site = Static<typeof Site>;

// ---- terminal models
export const Components = Type.Object(
  {
    cardReader: Type.Object(
      { chip: Type.Boolean(), swipe: Type.Boolean(), contactless: Type.Boolean() },
      { additionalProperties: false },
    ),
    printer: Type.Boolean(),
    battery: Type.Boolean(),
    networks: Type.Array(Type.Enum(NETWORK_TYPES), { uniqueItems: true, minItems: 1 }),
  },
  { additionalProperties: false },
);
export type Components = Static<typeof Components>;

export const TerminalModelInput = Type.Object(
  {
    code: Type.String({ pattern: CODE }),
    vendor: Text(100),
    model: Text(100),
    components: Components,
    ptsApprovalNumber: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'PCI PTS POI approval number of the model' }))),
    ptsExpiresAt: Type.Optional(Nullable(Type.String({ format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'when the PTS approval expires (YYYY-MM-DD); a model past it is flagged on the PCI DSS report' }))),
    receiptsPerRoll: Type.Optional(Type.Integer({ minimum: 10, maximum: 100_000, description: 'receipts one paper roll prints (default 300): the shop is told before the roll runs out' })),
  },
  { additionalProperties: false },
);
export type TerminalModelInput = Static<typeof TerminalModelInput>;
export const TerminalModelPatch = Type.Partial(TerminalModelInput, { additionalProperties: false });
export type TerminalModelPatch = Static<typeof TerminalModelPatch>;

export const TerminalModel = Type.Object({
  id: Type.String(),
  code: Type.String(),
  vendor: Type.String(),
  model: Type.String(),
  components: Components,
  ptsApprovalNumber: Nullable(Type.String()),
  ptsExpiresAt: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
  receiptsPerRoll: Type.Integer({ description: 'receipts one paper roll prints' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type TerminalModel = Static<typeof TerminalModel>;

// ---- terminals
const Tag = Type.String({ pattern: TAG });
const Version = Type.String({ pattern: VERSION });
const Status = Type.Enum(TERMINAL_STATUSES);
const Network = Type.Enum(NETWORK_TYPES);

export const TerminalInput = Type.Object(
  {
    serialNumber: Type.String({ pattern: SERIAL }),
    modelId: Text(64),
    siteId: Type.Optional(Type.Union([Text(64), Type.Null()])),
    status: Type.Optional(Status),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 20, uniqueItems: true })),
    appVersion: Type.Optional(Type.Union([Version, Type.Null()])),
    firmwareVersion: Type.Optional(Type.Union([Version, Type.Null()])),
    components: Type.Optional(Components),
    networkType: Type.Optional(Type.Union([Network, Type.Null()])),
  },
  { additionalProperties: false },
);
export type TerminalInput = Static<typeof TerminalInput>;
export const TerminalPatch = Type.Partial(TerminalInput, { additionalProperties: false });
export type TerminalPatch = Static<typeof TerminalPatch>;

export const Terminal = Type.Object({
  id: Type.String(),
  serialNumber: Type.String(),
  modelId: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  merchantId: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  tags: Type.Array(Type.String()),
  appVersion: Type.Union([Type.String(), Type.Null()]),
  firmwareVersion: Type.Union([Type.String(), Type.Null()]),
  components: Components,
  networkType: Type.Union([Type.String(), Type.Null()]),
  online: Type.Boolean(),
  lastSeenAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Terminal = Static<typeof Terminal>;

export const TerminalQuery = Type.Object(
  {
    ...PageQuery,
    merchantId: Type.Optional(Type.String({ maxLength: 64 })),
    siteId: Type.Optional(Type.String({ maxLength: 64 })),
    modelId: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(Status),
    tag: Type.Optional(Tag),
    appVersion: Type.Optional(Version),
    firmwareVersion: Type.Optional(Version),
    online: Type.Optional(Type.Boolean()),
    mode: Type.Optional(Type.Enum(['normal', 'maintenance', 'locked', 'offline'] as const, {
      description: 'as the dashboard shows it: locked (a lock is on), maintenance (a job has it out of service), offline (neither, and no recent heartbeat), normal (trading)',
    })),
    fault: Type.Optional(Type.Enum(RULES, { description: 'terminals with an unresolved incident of this rule' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'text search: serial, site or merchant name' })),
    includeDeleted: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type TerminalQuery = Static<typeof TerminalQuery>;
export type TerminalFilter = Omit<TerminalQuery, 'limit' | 'cursor'>;

export const ListQuery = Type.Object(
  { ...PageQuery, q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), merchantId: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const ImportResult = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), field: Type.String(), reason: Type.String() })),
});
export type ImportResult = Static<typeof ImportResult>;

// ---- bulk actions on chosen terminals (the terminals list's selection)
export const BulkTerminalIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000, uniqueItems: true, description: 'the chosen terminals (at most 1,000)' });

export const BulkTagInput = Type.Object(
  {
    terminalIds: BulkTerminalIds,
    add: Type.Optional(Type.Array(Tag, { maxItems: 20, uniqueItems: true })),
    remove: Type.Optional(Type.Array(Tag, { maxItems: 20, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type BulkTagInput = Static<typeof BulkTagInput>;

export const BulkTagResult = Type.Object({
  items: Type.Array(Type.Object({
    terminalId: Type.String(),
    outcome: Type.Enum(['tagged', 'unchanged', 'not_found'] as const, { description: 'not_found: no such terminal in your scope, or deleted' }),
    tags: Type.Array(Type.String()),
  }), { description: 'one per terminal, in the order given' }),
});
export type BulkTagResult = Static<typeof BulkTagResult>;
