// A group commit of heartbeats as the protocol, its writer and its observers see it: the queued
// heartbeats, what writing them answered, and the mode each terminal is told. Types only (and the key
// a heartbeat is known by), so other capabilities read them without the device's repository.
import type { DeploymentHint } from '../shared/deployment-hint.ts';
import type { HeartbeatReport, PendingCommand } from './device.schemas.ts';

/** A heartbeat is known by its terminal and sequence number: a retry has the same key. */
export const heartbeatKey = (terminalId: string, seq: number) => `${terminalId} ${seq}`;

export interface QueuedHeartbeat {
  terminalId: string;
  report: HeartbeatReport;
  receivedAt: string;
}

/**
 * What storing a heartbeat needs of it, with its report already as the JSON text that is stored: the
 * writer thread gets only this, as flat values (a structured clone of every report cost more than
 * writing the JSON once; see heartbeat-thread.ts).
 */
export interface StoredHeartbeat {
  terminalId: string;
  seq: number;
  receivedAt: string;
  sentAt: string;
  appVersion: string;
  firmwareVersion: string;
  json: string;
}

export const toStoredHeartbeat = ({ terminalId, report, receivedAt }: QueuedHeartbeat): StoredHeartbeat => ({
  terminalId, seq: report.seq, receivedAt, sentAt: report.sentAt, appVersion: report.appVersion, firmwareVersion: report.firmwareVersion, json: JSON.stringify(report),
});

/** What writing one group commit answers. */
export interface WrittenBatch {
  /** "terminalId seq" of heartbeats that were new; the others were retries already stored. */
  stored: Set<string>;
  commandsByTerminal: Map<string, PendingCommand[]>;
}

export interface BatchOutcome extends WrittenBatch {
  /** Desired mode per terminal, from whoever decides modes (maintenance); absent means normal. */
  modes: Map<string, DesiredMode>;
}

export interface DesiredMode {
  mode: 'normal' | 'maintenance' | 'locked';
  reason: string | null;
  maintenance: { jobId: string; state: string; work: string[]; expectedEndAt: string; leaseUntil: string } | null;
  /** A software update offered to the terminal (rollouts). */
  deployment?: DeploymentHint | null;
}
