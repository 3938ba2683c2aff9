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

/** Why a move is refused, as the message catalogue says it (diagnostics.case_transition, diagnostics.case_note_required). */
export type CaseRefusal =
  | { kind: 'conflict'; field: 'status'; key: 'diagnostics.case_transition'; params: { why: 'same' | 'closed' | 'back'; from: CaseStatus; to: CaseStatus } }
  | { kind: 'invalid'; field: 'note'; key: 'diagnostics.case_note_required'; params: { to: CaseStatus } };

/**
 * Why a case may not go from one status to another, or null when it may. A move the case's state
 * forbids is a conflict; closing without saying why is invalid input.
 */
export function refuseTransition(from: CaseStatus, to: CaseStatus, note: string | undefined): CaseRefusal | null {
  const refusal = (why: 'same' | 'closed' | 'back'): CaseRefusal => ({ kind: 'conflict', field: 'status', key: 'diagnostics.case_transition', params: { why, from, to } });
  if (from === to) return refusal('same');
  if (!NEXT[from].includes(to)) return refusal(isClosed(from) ? 'closed' : 'back');
  if (isClosed(to) && !note?.trim()) return { kind: 'invalid', field: 'note', key: 'diagnostics.case_note_required', params: { to } };
  return null;
}
