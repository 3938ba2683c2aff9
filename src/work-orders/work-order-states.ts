// The lifecycle of a work order as a pure state machine: which status may follow which, and who may
// make each move. The service stores every accepted move with who made it and when.

export const WORK_ORDER_STATUSES = ['open', 'assigned', 'in_progress', 'on_hold', 'done', 'cancelled'] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

const NEXT: Record<WorkOrderStatus, readonly WorkOrderStatus[]> = {
  open: ['assigned', 'cancelled'],
  assigned: ['open', 'in_progress', 'on_hold', 'cancelled'],
  in_progress: ['on_hold', 'done', 'cancelled'],
  on_hold: ['assigned', 'in_progress', 'cancelled'],
  done: [],
  cancelled: [],
};

/** Moves a technician may make on their own work orders; cancelling and reopening stay with operators. */
const TECHNICIAN_MOVES: readonly WorkOrderStatus[] = ['in_progress', 'on_hold', 'done'];

export function canMove(from: WorkOrderStatus, to: WorkOrderStatus): boolean {
  return NEXT[from].includes(to);
}

export function allowedMoves(from: WorkOrderStatus): readonly WorkOrderStatus[] {
  return NEXT[from];
}

export function technicianMayMoveTo(to: WorkOrderStatus): boolean {
  return TECHNICIAN_MOVES.includes(to);
}

export function isClosed(status: WorkOrderStatus): boolean {
  return status === 'done' || status === 'cancelled';
}

export function isWorkOrderStatus(value: string): value is WorkOrderStatus {
  return (WORK_ORDER_STATUSES as readonly string[]).includes(value);
}
