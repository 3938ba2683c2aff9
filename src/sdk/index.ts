// The terminal SDK's public surface: what a POS application imports.
export { backoffDelayMs, PosFleetError, PosFleetTerminal, transactionMessage } from './terminal-client.ts';
export type {
  CallOptions, FetchLike, HeartbeatContent, Locale, RetryPolicy, SavedState, StartOptions, TerminalClientOptions, TerminalMode, TerminalStatus,
} from './terminal-client.ts';
export type { HeartbeatAnswer, HeartbeatReport, PendingCommand } from '../device/device.schemas.ts';
