// Secret parameter values (those a schema marks `secret`: an admin PIN, a key) are stored encrypted:
// AES-256-GCM under a 32-byte key kept outside the database, in CONFIGURATION_SECRET_KEY_FILE or, when
// unset, DATA_DIR/secrets/configuration-key (generated on first start, mode 0600) — the same key
// management as the backup escrow key. A sealed value is a string "sealed:v1:<key id>:<iv>:<ciphertext+tag>";
// only the server opens it, for the terminal's own configuration fetch.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PREFIX = 'sealed:v1:';

export function secretKeyPath(dataDir: string, file: string | undefined): string {
  return file ?? join(dataDir, 'secrets', 'configuration-key');
}

export class SecretBox {
  private readonly keyId: string;

  /** `key` absent: a process that may not make the key (the CLI) and found none: it fails only when a secret is read or written. */
  constructor(private readonly key: Buffer | undefined, private readonly missing = '') {
    if (key && key.length !== 32) throw new Error('the configuration secret key must be 32 bytes (base64 in its file)');
    this.keyId = key ? createHash('sha256').update(key).digest('hex').slice(0, 8) : '';
  }

  private get usableKey(): Buffer {
    if (!this.key) throw new Error(this.missing);
    return this.key;
  }

  /** Reads the key file, or (`generate`) makes one when it does not exist. */
  static fromFile(path: string, generate: boolean): SecretBox {
    if (!existsSync(path)) {
      if (!generate) return new SecretBox(undefined, `configuration secret key ${path} does not exist (start the server once, or set CONFIGURATION_SECRET_KEY_FILE)`);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first
      }
      chmodSync(path, 0o600);
    }
    return new SecretBox(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'));
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  /** Any JSON value, sealed (a sealed one stays as it is). */
  seal(value: unknown): string {
    if (SecretBox.isSealed(value)) return value;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.usableKey, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.keyId}:${iv.toString('base64')}:${body.toString('base64')}`;
  }

  /** The value a sealed string holds; anything else as it is. Throws when it was sealed with another key or altered. */
  open(value: unknown): unknown {
    if (!SecretBox.isSealed(value)) return value;
    const key = this.usableKey;
    const [keyId, iv, body] = value.slice(PREFIX.length).split(':');
    if (keyId !== this.keyId) throw new Error(`a secret parameter value was sealed with another key (${keyId ?? '?'}): is CONFIGURATION_SECRET_KEY_FILE the right file?`);
    const data = Buffer.from(body ?? '', 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return JSON.parse(Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8')) as unknown;
  }
}
