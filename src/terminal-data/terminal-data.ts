// Builds the terminal-data capability (called by the composition root): one repository, the file
// store, the escrow key (loaded once, on first use), and the three services that share them.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EstateService } from '../estate/estate.service.ts';
import type { Clock } from '../shared/time.ts';
import { BackupStore } from './backup-store.ts';
import { BackupsService } from './backups.service.ts';
import { BaselinesService, type BaselineConfiguration, type BaselineDelivery } from './baselines.service.ts';
import { escrowKeyPath, loadEscrowKey, type EscrowKey } from './escrow-key.ts';
import { RestoresService } from './restores.service.ts';
import { TerminalDataRepository } from './terminal-data.repository.ts';

export interface TerminalData {
  backups: BackupsService;
  restores: RestoresService;
  baselines: BaselinesService;
}

export function createTerminalData(
  db: Kysely<Database>, clock: Clock, estate: Pick<EstateService, 'getMerchant' | 'getSite' | 'getModel'>,
  options: { dataDir: string; escrowKeyFile: string | undefined; generateKey: boolean }, log?: (msg: string, fields?: Record<string, unknown>) => void,
  ports: { configuration?: BaselineConfiguration; delivery?: BaselineDelivery } = {},
): TerminalData {
  const repo = new TerminalDataRepository(db);
  let key: Promise<EscrowKey> | undefined;
  const escrow = () => {
    key ??= loadEscrowKey(escrowKeyPath(options.dataDir, options.escrowKeyFile), options.generateKey);
    key.catch(() => { key = undefined; }); // a missing file may appear later (the operator puts it in place)
    return key;
  };
  const backups = new BackupsService(repo, new BackupStore(options.dataDir), escrow, clock, log);
  const restores = new RestoresService(repo, backups, escrow, clock);
  const found = (get: (id: string) => Promise<unknown>) => (id: string) => get(id).then(() => true, () => false);
  const baselines = new BaselinesService(repo, clock, { merchant: found((id) => estate.getMerchant(id)), site: found((id) => estate.getSite(id)), model: found((id) => estate.getModel(id)) }, ports.configuration, ports.delivery);
  return { backups, restores, baselines };
}
