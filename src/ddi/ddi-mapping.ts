// hawkBit's Direct Device Integration (DDI) API v1 seen from PosFleet: how its feedback maps onto a
// rollout action's states, and how a deployment is described to the device. Pure.
import { parseJsonBody } from '../shared/safe-json.ts';
import type { ActionState } from '../rollouts/action-states.ts';

export const DDI_EXECUTIONS = ['closed', 'proceeding', 'canceled', 'scheduled', 'rejected', 'resumed', 'downloaded', 'download'] as const;
export type DdiExecution = (typeof DDI_EXECUTIONS)[number];
export const DDI_FINISHED = ['success', 'failure', 'none'] as const;
export type DdiFinished = (typeof DDI_FINISHED)[number];

/**
 * The action state a DDI feedback means, or null when it changes nothing (it is still stored).
 * `proceeding` is an install under way once the device may install (its window is open), else still
 * the download; `closed` with success is the end of it.
 */
export function actionStateOf(execution: DdiExecution, finished: DdiFinished, installAllowed: boolean, details: readonly string[] = []): { state: ActionState; reason?: string } | null {
  switch (execution) {
    case 'closed':
      // SWUpdate closes an action it was told to skip as a success, having installed nothing.
      if (details.includes('Skipped Update.')) return null;
      if (finished === 'success') return { state: 'succeeded' };
      if (finished === 'failure') return { state: 'failed', reason: 'the device reported the update failed' };
      return null;
    case 'canceled':
      return { state: 'cancelled', reason: 'the device confirmed the cancellation' };
    case 'rejected':
      return { state: 'failed', reason: 'the device rejected the update' };
    case 'download':
      return { state: 'downloading' };
    case 'downloaded':
      return { state: 'downloaded' };
    case 'proceeding':
    case 'resumed':
    case 'scheduled':
      return { state: installAllowed ? 'installing' : 'downloading' };
  }
}

/** DDI's polling sleep, "HH:MM:SS". */
export function pollingSleep(seconds: number): string {
  const s = Math.max(1, Math.min(Math.round(seconds), 24 * 3600 - 1));
  return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}

/** The software-module type DDI names a chunk's part with. */
export function chunkPart(kind: string): string {
  return kind === 'firmware' ? 'os' : kind === 'application' ? 'bApp' : kind;
}

/** `TargetToken <token>` (case-insensitive scheme), as hawkBit clients send their security token. */
export function targetToken(header: string | undefined): string | undefined {
  return header ? /^TargetToken\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/**
 * DDI feedback as some clients send it: SWUpdate puts raw newlines (and unescaped quotes from error
 * texts) inside JSON strings. Control characters are blanked first; if the text still is not JSON, the
 * fields that matter are picked out, so the report is stored rather than refused (a refused report is
 * retried by the device for ever).
 */
export function lenientFeedback(text: string): unknown {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is being removed
  const cleaned = text.replace(/[\u0000-\u001f]/g, ' ');
  try {
    return parseJsonBody(cleaned);
  } catch {
    const field = (name: string) => new RegExp(`"${name}"\\s*:\\s*"([a-z]+)"`).exec(cleaned)?.[1];
    const execution = field('execution');
    const finished = field('finished');
    if (!execution || !finished) return undefined;
    return { status: { execution, result: { finished }, details: [cleaned.slice(0, 2000)] } };
  }
}
