// Builds the remote-assistance capability (called by the composition root): one repository, the file
// store (the chunked store backups use too), and the services, given the terminal protocol's command
// queue and the incidents they answer as small interfaces.
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ChunkStore } from '../shared/chunk-store.ts';
import type { Clock } from '../shared/time.ts';
import { ArtifactsService, type CommandQueue, type IncidentLookup } from './artifacts.service.ts';
import { AssistanceRepository } from './assistance.repository.ts';
import type { Assistance } from './assistance.routes.ts';
import { ScreenMessagesService } from './screen-messages.service.ts';

export function createAssistance(
  db: Kysely<Database>, clock: Clock,
  deps: { commands: CommandQueue; incidents: IncidentLookup; serialOf: (terminalId: string) => Promise<string> },
  options: { dataDir: string; retentionDays: number }, log?: (msg: string, fields?: Record<string, unknown>) => void,
): Assistance {
  const repo = new AssistanceRepository(db);
  const store = new ChunkStore(join(options.dataDir, 'terminal-files'), '.bin');
  return {
    artifacts: new ArtifactsService(repo, store, deps.commands, deps.incidents, deps.serialOf, clock, { retentionDays: options.retentionDays }, log),
    messages: new ScreenMessagesService(repo, deps.commands, clock),
  };
}
