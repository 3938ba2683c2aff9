// Where backup bytes live: chunks of an upload under DATA_DIR/terminal-backups/uploads/<backup>/, and a
// stored backup as one file DATA_DIR/terminal-backups/<terminal>/<backup>.bin (encrypted: the server
// cannot read it). The chunked store itself is shared with other uploads (src/shared/chunk-store.ts).
import { join } from 'node:path';
import { ChunkStore } from '../shared/chunk-store.ts';

export class BackupStore extends ChunkStore {
  constructor(dataDir: string) {
    super(join(dataDir, 'terminal-backups'), '.bin');
  }
}
