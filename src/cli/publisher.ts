// `posfleet keys` and `posfleet package sign|upload`: what a software publisher runs. The private key
// never leaves the publisher's machine: PosFleet only ever sees the public key and signatures.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Command} from 'commander';
import { Option } from 'commander';
import { parametersDigest, readPublicKey, signPackage } from '../rollouts/package-signature.ts';
import { PACKAGE_KINDS } from '../rollouts/rollouts.schemas.ts';

/** What `package sign` writes beside the file and `package upload` sends: the signed facts. */
export interface PackageManifest {
  kind: string;
  name: string;
  version: string;
  fileName: string;
  size: number;
  sha256: string;
  keyId: string;
  signature: string;
  /** An application's parameter schema, signed with the package (its SHA-256 is a line of the statement). */
  parameters?: Record<string, unknown>;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function generateKeys(dir: string): Promise<{ privateKeyPath: string; publicKeyPath: string; keyId: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await mkdir(dir, { recursive: true });
  const privateKeyPath = join(dir, 'posfleet-publisher.key');
  const publicKeyPath = join(dir, 'posfleet-publisher.pub');
  await writeFile(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  await writeFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
  const key = readPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return { privateKeyPath, publicKeyPath, keyId: key.ok ? key.fingerprint : '' };
}

export async function signFile(
  file: string, facts: { kind: string; name: string; version: string; parameters?: Record<string, unknown> | undefined }, privateKeyPem: string, publicKeyPem: string,
): Promise<PackageManifest> {
  const key = readPublicKey(publicKeyPem);
  if (!key.ok) throw new Error(`the public key ${key.reason}`);
  const size = (await stat(file)).size;
  const sha256 = await sha256OfFile(file);
  // Only the signed facts: the caller's options (key file paths, ...) are not part of the manifest.
  const { kind, name, version, parameters } = facts;
  const signature = signPackage({ kind, name, version, size, sha256, parametersSha256: parameters ? parametersDigest(parameters) : null }, privateKeyPem);
  return { kind, name, version, fileName: basename(file), size, sha256, keyId: key.fingerprint, signature, ...(parameters && { parameters }) };
}

/** Declares the package, then streams its content; the server checks both against the signature. */
export async function uploadPackage(server: string, token: string, file: string, manifest: PackageManifest, extra: {
  compatibleModels: string[]; minInstalledVersion?: string | undefined; securityPatch?: boolean | undefined; releaseNotes?: { 'zh-CN': string; en: string } | undefined;
}): Promise<{ id: string; ready: boolean }> {
  const base = server.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${token}` };
  // The manifest's fields by name: a manifest written by an older `package sign` carried more.
  const { kind, name, version, fileName, size, sha256, keyId, signature, parameters } = manifest;
  const body = JSON.stringify({ kind, name, version, fileName, size, sha256, keyId, signature, ...(parameters && { parameters }), ...extra });
  const declared = await call(`${base}/api/v1/packages`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  const id = (declared as { id: string }).id;
  const content = Readable.toWeb(createReadStream(file)) as ReadableStream;
  const uploaded = await call(`${base}/api/v1/packages/${id}/content`, {
    method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: content, duplex: 'half',
  } as RequestInit);
  return uploaded as { id: string; ready: boolean };
}

async function call(url: string, init: RequestInit): Promise<unknown> {
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { message?: string } } | undefined)?.error;
    throw new Error(`${init.method} ${url} answered ${response.status}: ${error?.message ?? text.slice(0, 300)}`);
  }
  return parsed;
}

export function registerPublisherCommands(program: Command): void {
  const serverFlags = (command: Command) => command
    .requiredOption('--server <url>', 'PosFleet server URL')
    .addOption(new Option('--token <token>', 'operator API token with packages:publish').env('POSFLEET_TOKEN').makeOptionMandatory());

  const keys = program.command('keys').description("publisher keys (Ed25519) that sign packages");
  keys.command('generate').description('make a key pair in a folder; keep the private key to yourself')
    .option('--out <dir>', 'folder for posfleet-publisher.key and .pub', '.')
    .action(async (opts: { out: string }) => {
      const made = await generateKeys(opts.out);
      console.log(`private key: ${made.privateKeyPath} (keep it secret)\npublic key:  ${made.publicKeyPath}\nkey id:      ${made.keyId}`);
    });
  serverFlags(keys.command('register').description('register a public key so PosFleet accepts its signatures'))
    .requiredOption('--public-key <file>', 'PEM public key')
    .requiredOption('--name <name>', 'who publishes with it')
    .action(async (opts: { server: string; token: string; publicKey: string; name: string }) => {
      const body = JSON.stringify({ name: opts.name, publicKey: await readFile(opts.publicKey, 'utf8') });
      const key = await call(`${opts.server.replace(/\/+$/, '')}/api/v1/publisher-keys`, { method: 'POST', headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' }, body });
      console.log(`registered publisher key ${(key as { id: string }).id}`);
    });

  const pkg = program.command('package').description('sign and upload software packages');
  pkg.command('sign').description('sign a package file; writes FILE.posfleet.json beside it')
    .argument('<file>', 'the package file')
    .requiredOption('--key <file>', 'PEM private key (from `posfleet keys generate`)')
    .requiredOption('--public-key <file>', 'its PEM public key')
    .addOption(new Option('--kind <kind>', 'what it is').choices(PACKAGE_KINDS).makeOptionMandatory())
    .requiredOption('--name <name>', 'package name, e.g. pay-app')
    .requiredOption('--version <version>', 'semantic version, e.g. 3.3.0')
    .option('--parameters <file>', "an application's parameter schema (JSON, as POST /api/v1/configuration/schemas takes `parameters`), signed with the package")
    .action(async (file: string, opts: { key: string; publicKey: string; kind: string; name: string; version: string; parameters?: string }) => {
      const parameters = opts.parameters ? JSON.parse(await readFile(opts.parameters, 'utf8')) as Record<string, unknown> : undefined;
      const manifest = await signFile(file, { ...opts, parameters }, await readFile(opts.key, 'utf8'), await readFile(opts.publicKey, 'utf8'));
      await writeFile(`${file}.posfleet.json`, `${JSON.stringify(manifest, null, 2)}\n`);
      console.log(`signed ${manifest.kind} ${manifest.name} ${manifest.version} (${manifest.size} bytes, SHA-256 ${manifest.sha256}) → ${file}.posfleet.json`);
    });
  serverFlags(pkg.command('upload').description('declare and upload a signed package'))
    .argument('<file>', 'the package file (its FILE.posfleet.json beside it)')
    .requiredOption('--models <ids>', 'comma-separated terminal model ids it is for')
    .option('--min-version <version>', 'the oldest installed version it may update')
    .option('--security-patch', 'it carries security fixes')
    .option('--notes-en <text>', 'release notes in English')
    .option('--notes-zh <text>', 'release notes in Chinese')
    .action(async (file: string, opts: { server: string; token: string; models: string; minVersion?: string; securityPatch?: boolean; notesEn?: string; notesZh?: string }) => {
      const manifest = JSON.parse(await readFile(`${file}.posfleet.json`, 'utf8')) as PackageManifest;
      const uploaded = await uploadPackage(opts.server, opts.token, file, manifest, {
        compatibleModels: opts.models.split(',').map((m) => m.trim()).filter(Boolean), minInstalledVersion: opts.minVersion, securityPatch: !!opts.securityPatch,
        releaseNotes: opts.notesEn || opts.notesZh ? { en: opts.notesEn ?? '', 'zh-CN': opts.notesZh ?? '' } : undefined,
      });
      console.log(`uploaded package ${uploaded.id} (${manifest.name} ${manifest.version}): ${uploaded.ready ? 'ready to roll out' : 'not ready'}`);
    });
}
