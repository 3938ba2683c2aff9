// Shapes of the fleet overview: today's open incidents and work orders, and figures per local day.
import { Type, type Static } from 'typebox';

const BySeverity = Type.Object({ low: Type.Integer(), medium: Type.Integer(), high: Type.Integer(), critical: Type.Integer() });

export const OverviewQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 14, description: 'local days, today included' })),
  timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone the days are counted in (default UTC)' })),
}, { additionalProperties: false });
export type OverviewQuery = Static<typeof OverviewQuery>;

export const OverviewView = Type.Object({
  timeZone: Type.String(),
  openIncidents: BySeverity,
  workOrders: Type.Object({ open: Type.Integer(), dueSoon: Type.Integer({ description: 'due within 24 hours' }), overdue: Type.Integer() }),
  health: Type.Object({ score: Type.Integer({ minimum: 0, maximum: 100 }), terminals: Type.Integer() }),
  days: Type.Array(Type.Object({
    day: Type.String({ description: 'yyyy-MM-dd in timeZone' }),
    incidentsOpened: BySeverity,
    maintenanceJobs: Type.Integer({ description: 'maintenance jobs that started that day' }),
    workOrdersDone: Type.Integer(),
    healthScore: Type.Integer({ description: "the fleet health score at the day's end, from the incidents open then (today: now)" }),
  })),
});
export type OverviewView = Static<typeof OverviewView>;
