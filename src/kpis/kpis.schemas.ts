// HTTP shapes of the maintenance KPIs: the period and grouping asked for, and per group every KPI with
// the numerator and denominator it was computed from.
import { Type, type Static } from 'typebox';
import { Instant, Timestamp } from '../shared/http-schemas.ts';
import { GROUP_BYS } from './kpis.ts';

export const KpiQuery = Type.Object({
  from: Type.Optional(Instant({ description: 'start of the period (default: 30 days before `to`)' })),
  to: Type.Optional(Instant({ description: 'end of the period, excluded (default: now); at most 366 days after `from`' })),
  groupBy: Type.Optional(Type.Enum(GROUP_BYS, { description: 'fleet (default), merchant, site, model or technician' })),
}, { additionalProperties: false });
export type KpiQuery = Static<typeof KpiQuery>;

const Ratio = (description: string) => Type.Object({
  value: Type.Union([Type.Number(), Type.Null()], { description: 'numerator / denominator; null when the denominator is 0' }),
  numerator: Type.Number(),
  denominator: Type.Number(),
}, { description });

export const GroupKpisView = Type.Object({
  availability: Ratio('uptime hours / service hours of the terminals in service (0–1)'),
  mtbfHours: Ratio('uptime hours / failures that began in the period'),
  mttrRestoredHours: Ratio('hours from failure start until a working terminal was back at the site / corrective work orders done'),
  mttrRepairHours: Ratio('hours from failure start until the work order was done / corrective work orders done'),
  pmCompliance: Ratio('preventive work orders done within ±10 % of their interval of the due date / preventive work orders due in the period and judged (0–1)'),
  plannedShare: Ratio('hours on preventive work orders / hours on all work orders done in the period (0–1)'),
  backlog: Type.Object({ count: Type.Integer(), overdue: Type.Integer(), estimatedHours: Type.Number() }, { description: 'work orders open at the end of the period' }),
  firstTimeFix: Ratio('corrective work orders without a follow-up or a new failure within 7 days / corrective work orders done (0–1)'),
  remoteFix: Type.Object({
    value: Type.Union([Type.Number(), Type.Null()]), numerator: Type.Number(), denominator: Type.Number(),
    selfCleared: Type.Integer({ description: 'incidents resolved with neither a visit nor a remote action (not in the ratio)' }),
  }, { description: 'incidents fixed remotely / incidents fixed remotely or by a visit, resolved in the period (0–1)' }),
});
export type GroupKpisView = Static<typeof GroupKpisView>;

export const KpiGroupView = Type.Object({
  key: Type.Union([Type.String(), Type.Null()], { description: 'the merchant, site, model or technician id ("fleet" for the fleet; null: none, e.g. unassigned)' }),
  label: Type.String(),
  kpis: GroupKpisView,
});

export const KpiReport = Type.Object({
  from: Timestamp,
  to: Timestamp,
  /** Time-based KPIs stop at the earlier of `to` and now. */
  measuredUntil: Timestamp,
  groupBy: Type.Enum(GROUP_BYS),
  total: KpiGroupView,
  groups: Type.Array(KpiGroupView),
});
export type KpiReport = Static<typeof KpiReport>;
