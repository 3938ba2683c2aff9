// A worn part is planned work, not an alarm: diagnostics sees it in the heartbeats (a battery past its
// cycle limit) and says so over the event bus; preventive maintenance brings forward the terminal's task
// that replaces it. One definition here, since the two folders may not import each other.

/** Parts whose wear is a replacement due, by the checklist item code of the task that replaces them. */
export const WORN_PARTS = ['battery'] as const;
export type WornPart = (typeof WORN_PARTS)[number];

export interface PartDue {
  terminalId: string;
  part: WornPart;
  /** When the wear was seen (the heartbeat's time). */
  at: string;
  /** The figures behind it, e.g. { cycleCount: 850, maxCycles: 800 }. */
  detail: Record<string, unknown>;
}

export type PartEvents = { 'part.due': PartDue };
