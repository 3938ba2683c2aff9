// Suspicious-activity cases as a small state machine: every report is a case that is open until
// someone looks into it (investigating) and ends resolved (it was real and was dealt with) or dismissed
// (a false alarm). Closed cases stay closed: a new sighting is a new report, hence a new case.
export const CASE_STATUSES = ['open', 'investigating', 'resolved', 'dismissed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

const NEXT: Record<CaseStatus, readonly CaseStatus[]> = {
  open: ['investigating', 'resolved', 'dismissed'],
  investigating: ['resolved', 'dismissed'],
  resolved: [],
  dismissed: [],
};

export const isClosed = (status: string): boolean => status === 'resolved' || status === 'dismissed';

/**
 * Why a case may not go from one status to another, or null when it may. A move the case's state
 * forbids is a conflict; closing without saying why is invalid input.
 */
export function refuseTransition(from: CaseStatus, to: CaseStatus, note: string | undefined): { kind: 'conflict' | 'invalid'; field: string; reason: string } | null {
  if (from === to) return { kind: 'conflict', field: 'status', reason: `the case is ${from} already` };
  if (!NEXT[from].includes(to)) {
    return { kind: 'conflict', field: 'status', reason: isClosed(from) ? `the case is ${from} (closed); a new sighting is a new report` : `a case cannot go from ${from} back to ${to}` };
  }
  if (isClosed(to) && !note?.trim()) return { kind: 'invalid', field: 'note', reason: `say why the case is ${to}` };
  return null;
}
