// HTTP shapes of spares and backup terminals: depots, stock rows (a part at a depot) and their ledger,
// restock, counts, transfers, consumption by work orders, backup pools, swaps and chains of custody.
import { Type, type Static } from 'typebox';
import { PageQuery, Timestamp } from '../shared/http-schemas.ts';
import { CUSTODY_STATES } from './custody-states.ts';
import { MOVE_KINDS } from './stock.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Line = (max = 500) => Type.String({ minLength: 1, maxLength: max });
const Note = Type.String({ maxLength: 2000 });
const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const Level = Type.Integer({ minimum: 0, maximum: 1_000_000 });
/** A depot's code: stock rows name their depot by it. */
const DepotCode = Line(64);

// ---- depots
export const DepotInput = Type.Object({
  code: DepotCode, name: Line(200), region: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'e.g. the site-code prefix the depot serves ("SH")' })),
}, { additionalProperties: false });
export type DepotInput = Static<typeof DepotInput>;
export const DepotView = Type.Object({
  id: Type.String(), code: Type.String(), name: Type.String(), region: Type.Union([Type.String(), Type.Null()]),
  parts: Type.Integer({ description: 'stock rows kept here' }), lowParts: Type.Integer({ description: 'of which below their minimum' }), createdAt: Timestamp,
});
export type DepotView = Static<typeof DepotView>;

// ---- stock rows
export const SparePartInput = Type.Object({
  depot: Type.String({ minLength: 1, maxLength: 64, description: 'the depot code (a depot not registered yet is registered with this code as its name)' }),
  sku: Code, name: Line(200),
  quantity: Level, minimum: Type.Optional(Level),
}, { additionalProperties: false });
export type SparePartInput = Static<typeof SparePartInput>;
export const SparePartPatch = Type.Object({ name: Type.Optional(Line(200)), minimum: Type.Optional(Level) }, { additionalProperties: false });
export type SparePartPatch = Static<typeof SparePartPatch>;
export const SparePartView = Type.Object({
  id: Type.String(), depot: Type.String(), sku: Type.String(), name: Type.String(), quantity: Type.Integer(), minimum: Type.Integer(), belowMinimum: Type.Boolean(),
  lowSince: Type.Union([Timestamp, Type.Null()], { description: 'when the level fell below its minimum (operators were told then)' }),
});
export type SparePartView = Static<typeof SparePartView>;
export const SparePartQuery = Type.Object({
  depot: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  belowMinimum: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const RestockInput = Type.Object({ quantity: Quantity, reason: Type.Optional(Note) }, { additionalProperties: false });
export type RestockInput = Static<typeof RestockInput>;
export const CountInput = Type.Object({ counted: Level, reason: Line(2000) }, { additionalProperties: false });
export type CountInput = Static<typeof CountInput>;
export const TransferInput = Type.Object({
  partId: Id, toDepot: DepotCode, quantity: Quantity, reason: Type.Optional(Note),
}, { additionalProperties: false });
export type TransferInput = Static<typeof TransferInput>;
export const TransferView = Type.Object({ transferId: Type.String(), from: SparePartView, to: SparePartView });

export const PartsInput = Type.Object({ partId: Id, quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) }, { additionalProperties: false });

export const LedgerQuery = Type.Object({
  ...PageQuery,
  partId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  depot: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false });
export type LedgerQuery = Static<typeof LedgerQuery>;
export const LedgerEntry = Type.Object({
  id: Type.String(), partId: Type.String(), sku: Type.String(), depot: Type.String(),
  kind: Type.Union([Type.Enum(MOVE_KINDS), Type.Null()]),
  quantity: Type.Integer({ description: 'the change: positive in, negative out' }),
  balance: Type.Union([Type.Integer(), Type.Null()], { description: 'the level after the move' }),
  reason: Type.Union([Type.String(), Type.Null()]), by: Type.String(), at: Timestamp,
  workOrderId: Type.Union([Type.String(), Type.Null()]), transferId: Type.Union([Type.String(), Type.Null()]),
});
export type LedgerEntry = Static<typeof LedgerEntry>;

// ---- backup pools
export const PoolInput = Type.Object({
  code: Code, name: Line(200),
  depotId: Type.Optional(Id), siteId: Type.Optional(Id),
}, { additionalProperties: false, description: 'a pool is kept at a depot or at a site: give exactly one of depotId and siteId' });
export type PoolInput = Static<typeof PoolInput>;
const PoolTerminal = Type.Object({ terminalId: Type.String(), serialNumber: Type.String(), modelId: Type.String(), addedBy: Type.String(), addedAt: Timestamp });
export const PoolView = Type.Object({
  id: Type.String(), code: Type.String(), name: Type.String(), depotId: Type.Union([Type.String(), Type.Null()]), siteId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp, terminals: Type.Array(PoolTerminal),
});
export type PoolView = Static<typeof PoolView>;
export const PoolTerminalInput = Type.Object({ terminalId: Id }, { additionalProperties: false });

// ---- swaps and custody
export const SwapInput = Type.Object({
  faultyTerminalId: Id, spareTerminalId: Id, note: Type.Optional(Note),
}, { additionalProperties: false });
export type SwapInput = Static<typeof SwapInput>;
export const SwapView = Type.Object({
  id: Type.String(), workOrderId: Type.String(), siteId: Type.String(), faultyTerminalId: Type.String(), spareTerminalId: Type.String(), poolId: Type.String(),
  moved: Type.Object({
    tags: Type.Array(Type.String()), networkType: Type.Union([Type.String(), Type.Null()]),
    windowIds: Type.Array(Type.String()), planTaskIds: Type.Array(Type.String()),
  }, { description: 'what the spare took over from the faulty terminal' }),
  by: Type.String(), at: Timestamp, note: Type.Union([Type.String(), Type.Null()]),
  restoredAt: Type.Union([Timestamp, Type.Null()], { description: "the work order's merchant-restored time" }),
  custodyId: Type.String(),
});
export type SwapView = Static<typeof SwapView>;

export const CustodyStepInput = Type.Object({
  to: Type.Enum(CUSTODY_STATES), note: Type.Optional(Note),
  poolId: Type.Optional(Id),
}, { additionalProperties: false, description: 'poolId is required for back_in_pool: the pool the repaired terminal joins' });
export type CustodyStepInput = Static<typeof CustodyStepInput>;
export const CustodyQuery = Type.Object({
  state: Type.Optional(Type.Enum(CUSTODY_STATES)),
  open: Type.Optional(Type.Boolean({ description: 'only custodies not yet closed' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
}, { additionalProperties: false });
export type CustodyQuery = Static<typeof CustodyQuery>;
const CustodyStep = Type.Object({ from: Type.Union([Type.String(), Type.Null()]), to: Type.String(), by: Type.String(), at: Timestamp, note: Type.Union([Type.String(), Type.Null()]) });
export const CustodyView = Type.Object({
  id: Type.String(), terminalId: Type.String(), serialNumber: Type.String(), workOrderId: Type.String(), swapId: Type.Union([Type.String(), Type.Null()]),
  state: Type.Enum(CUSTODY_STATES), next: Type.Array(Type.String()), poolId: Type.Union([Type.String(), Type.Null()]),
  openedAt: Timestamp, closedAt: Type.Union([Timestamp, Type.Null()]), steps: Type.Array(CustodyStep),
  swap: Type.Union([SwapView, Type.Null()]),
});
export type CustodyView = Static<typeof CustodyView>;
