// `posfleet terminal-backup list|restore`: a terminal's data backups on a running server, and a restore
// onto a terminal, with an operator API token like the other server commands. (Named so, not `backup`:
// `posfleet backup FILE` is the server's own database backup.)
import { Option, type Command } from 'commander';
import type { BackupView, RestoreView } from '../terminal-data/terminal-data.schemas.ts';
import { callServerApi } from './server-api.ts';


export const listTerminalBackups = (server: string, token: string, terminalId: string) =>
  callServerApi<{ items: BackupView[] }>(server, token, 'GET', `/terminals/${encodeURIComponent(terminalId)}/backups`).then((r) => r.items);

export const requestTerminalRestore = (server: string, token: string, terminalId: string, options: { backupId?: string | undefined; sourceTerminalId?: string | undefined }) =>
  callServerApi<RestoreView>(server, token, 'POST', `/terminals/${encodeURIComponent(terminalId)}/restores`, {
    ...(options.backupId && { backupId: options.backupId }), ...(options.sourceTerminalId && { sourceTerminalId: options.sourceTerminalId }),
  });

/** One line per backup, newest first, as people read it. */
export function backupTable(items: BackupView[]): Record<string, string | number>[] {
  return items.map((b) => ({ id: b.id, kind: b.kind, state: b.state, 'taken at': b.takenAt, 'stored at': b.storedAt ?? '–', bytes: b.sizeBytes, sha256: b.sha256.slice(0, 16), 'kept until': b.keptUntil ?? '–' }));
}

export function registerTerminalBackupCommands(program: Command): void {
  const group = program.command('terminal-backup').description("a terminal's own data backups (encrypted on the terminal) and their restore");
  const withServer = (command: Command) => command
    .requiredOption('--server <url>', 'PosFleet server URL')
    .addOption(new Option('--token <token>', 'operator API token').env('POSFLEET_TOKEN').makeOptionMandatory());
  const run = (work: () => Promise<void>) => work().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
  withServer(group.command('list').description("a terminal's backups, newest first").argument('<terminal-id>'))
    .option('--json', 'print the JSON answer')
    .action((terminalId: string, opts: { server: string; token: string; json?: boolean }) => run(async () => {
      const items = await listTerminalBackups(opts.server, opts.token, terminalId);
      if (opts.json) console.log(JSON.stringify(items, null, 2));
      else if (items.length === 0) console.log('no backups');
      else console.table(backupTable(items));
    }));
  withServer(group.command('restore').description('queue a restore the terminal carries out at its next start (its own newest good backup unless told otherwise)').argument('<terminal-id>'))
    .option('--backup <id>', 'this backup')
    .option('--from <terminal-id>', "the newest good backup of another terminal (e.g. the one this terminal replaced)")
    .action((terminalId: string, opts: { server: string; token: string; backup?: string; from?: string }) => run(async () => {
      const restore = await requestTerminalRestore(opts.server, opts.token, terminalId, { backupId: opts.backup, sourceTerminalId: opts.from });
      console.log(`restore ${restore.id} of backup ${restore.backupId} queued for terminal ${restore.terminalId}: it is done once the terminal confirms`);
    }));
}
