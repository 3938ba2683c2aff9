// Test harness for the real Debian `swupdate` client (suricatta = its hawkBit DDI v1 poller): builds
// CMS-signed .swu images with openssl and runs swupdate against a local server, isolated from the host.
// Behaviour notes for swupdate 2022.12 (Debian 12) are inline where they shaped the API.
import { execFile as execFileCb, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);

export const SWUPDATE_BIN = '/usr/bin/swupdate';

/**
 * Shell prologue that execs swupdate with SIGPIPE ignored (an ignored disposition survives exec; Node's spawn
 * would otherwise hand it the default one). swupdate 2022.12 does not ignore SIGPIPE itself, and under load
 * its daemon sometimes writes an IPC reply to a helper that already hung up: without this it dies of
 * SIGPIPE mid-update (seen in about one install in twenty with five instances on two cores).
 */
const IGNORE_SIGPIPE_EXEC = 'trap "" PIPE; exec "$0" "$@"';
const OPENSSL_BIN = '/usr/bin/openssl';

/**
 * True when the harness can run: swupdate (Debian package `swupdate`) and openssl (package `openssl`,
 * needed to make and sign images) are installed. Tests should `skipIf(!swupdateAvailable())`.
 */
export function swupdateAvailable(): boolean {
  return existsSync(SWUPDATE_BIN) && existsSync(OPENSSL_BIN);
}

/** sha1/md5/sha256 (lowercase hex) and size of a file: what a DDI deploymentBase artifact entry must carry. */
export interface ArtifactInfo {
  size: number;
  sha1: string;
  md5: string;
  sha256: string;
}

/** Hashes a file the way a DDI server must advertise it (swupdate checks `hashes.sha1`; md5/sha256 are ignored). */
export async function artifactInfo(path: string): Promise<ArtifactInfo> {
  const data = await readFile(path);
  const hex = (alg: string) => createHash(alg).update(data).digest('hex');
  return { size: data.length, sha1: hex('sha1'), md5: hex('md5'), sha256: hex('sha256') };
}

export interface SignedSwuImage extends ArtifactInfo {
  imagePath: string;
  /** Self-signed signer certificate (extendedKeyUsage=emailProtection, swupdate's default --cert-purpose); pass as `-k`. */
  certPath: string;
  keyPath: string;
  /** "board:revision", for swupdate's `-H`; the image's hardware-compatibility lists the revision. */
  hardware: string;
  /** Absolute path the image's single rawfile payload is written to when swupdate installs it. */
  installedFile: string;
  /** The exact bytes of the payload, so a test can check `installedFile` after the install. */
  payload: string;
  version: string;
}

const SAFE_LIBCONFIG = /^[^"\\\n]*$/;

/**
 * Builds a signed .swu in `dir` (created if missing): key + self-signed cert (unless `signer` is given, to sign
 * several images with one cert), a `sw-description` with `hardware-compatibility: [revision]` and one `files`
 * entry (handler rawfile, sha256 — Debian's build refuses signed images whose artifacts lack sha256) that
 * installs `<dir>/installed/payload.txt`, its CMS signature, all packed as cpio "crc" (070702) written here so
 * CI needs no `cpio` package (Debian does not install it by default).
 */
export async function makeSignedSwuImage(
  dir: string,
  opts: { version?: string; board?: string; revision?: string; signer?: { certPath: string; keyPath: string } } = {},
): Promise<SignedSwuImage> {
  const version = opts.version ?? '1.0.0';
  const board = opts.board ?? 'posfleet-test';
  const revision = opts.revision ?? '1.0';
  dir = resolve(dir);
  for (const [name, value] of Object.entries({ version, board, revision, dir })) {
    if (!SAFE_LIBCONFIG.test(value) || (name !== 'dir' && (value === '' || /[\s:]/.test(value)))) {
      throw new Error(`makeSignedSwuImage: unusable ${name} ${JSON.stringify(value)}`);
    }
  }
  const buildDir = join(dir, 'swu-build');
  const installedDir = join(dir, 'installed');
  await mkdir(buildDir, { recursive: true });
  // swupdate's rawfile handler does not create missing directories.
  await mkdir(installedDir, { recursive: true });

  let certPath = join(dir, 'signer-cert.pem');
  let keyPath = join(dir, 'signer-key.pem');
  if (opts.signer) {
    certPath = resolve(opts.signer.certPath);
    keyPath = resolve(opts.signer.keyPath);
  } else {
    await execFile(OPENSSL_BIN, [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '3650',
      '-subj', '/CN=posfleet-test-signer',
      '-addext', 'keyUsage=critical,digitalSignature',
      '-addext', 'extendedKeyUsage=emailProtection',
    ]);
  }

  const payload = `posfleet test payload ${version} for ${board}:${revision}\n`;
  const installedFile = join(installedDir, 'payload.txt');
  const swDescription = [
    'software =',
    '{',
    `\tversion = "${version}";`,
    '\tdescription = "PosFleet test image";',
    `\thardware-compatibility: [ "${revision}" ];`,
    '\tfiles: (',
    '\t\t{',
    '\t\t\tfilename = "payload.txt";',
    `\t\t\tpath = "${installedFile}";`,
    `\t\t\tsha256 = "${createHash('sha256').update(payload).digest('hex')}";`,
    '\t\t}',
    '\t);',
    '}',
    '',
  ].join('\n');
  const descPath = join(buildDir, 'sw-description');
  const sigPath = join(buildDir, 'sw-description.sig');
  await writeFile(descPath, swDescription);
  await execFile(OPENSSL_BIN, [
    'cms', '-sign', '-in', descPath, '-out', sigPath, '-signer', certPath, '-inkey', keyPath,
    '-outform', 'DER', '-nosmimecap', '-binary',
  ]);

  // Order matters: sw-description first, then its signature, then the artifacts.
  const imagePath = join(dir, `posfleet-${version}.swu`);
  await writeFile(
    imagePath,
    cpioCrcArchive([
      { name: 'sw-description', data: Buffer.from(swDescription) },
      { name: 'sw-description.sig', data: await readFile(sigPath) },
      { name: 'payload.txt', data: Buffer.from(payload) },
    ]),
  );
  return { imagePath, certPath, keyPath, hardware: `${board}:${revision}`, installedFile, payload, version, ...(await artifactInfo(imagePath)) };
}

/**
 * Writes a cpio archive in the SVR4 "crc" format (magic 070702, what `cpio -o -H crc` makes and what
 * swupdate expects): 110-byte ASCII header, NUL-terminated name, data, each padded to 4 bytes; the checksum
 * is the 32-bit sum of the data bytes; ends with a TRAILER!!! entry, the whole padded to 512 bytes.
 */
export function cpioCrcArchive(files: { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const pad = (len: number) => Buffer.alloc((4 - (len % 4)) % 4);
  const mtime = Math.floor(Date.now() / 1000);
  const add = (ino: number, name: string, data: Buffer, mode: number) => {
    let check = 0;
    for (const byte of data) check = (check + byte) >>> 0;
    const nameBuf = Buffer.from(`${name}\0`);
    const fields = [ino, mode, 0, 0, 1, mtime, data.length, 0, 0, 0, 0, nameBuf.length, check];
    parts.push(Buffer.from(`070702${fields.map(hex).join('')}`, 'ascii'), nameBuf, pad(110 + nameBuf.length), data, pad(data.length));
  };
  files.forEach((file, i) => add(i + 1, file.name, file.data, 0o100644));
  add(0, 'TRAILER!!!', Buffer.alloc(0), 0);
  const body = Buffer.concat(parts);
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/**
 * Runs `swupdate -c` (check only: verifies signature, sha256s and hardware compatibility, installs nothing).
 * This build's check mode races with itself: now and then its client side prints "[endupdate] SWUpdate was
 * successful !" and exits before (or while) the installer has looked at the image, so the exit code (1 for
 * about one valid image in ten), the closing line and even spurious errors ("sw-description.sig cannot be
 * opened") are not to be trusted. An attempt counts only when the installer's "Software Update started"
 * comes before "[endupdate]"; then the image is valid iff "SWUPDATE successful !" appears and no [ERROR].
 * Raced attempts are retried (up to `attempts`); if none counted, `ok` is false.
 */
export async function checkSwuImage(
  imagePath: string,
  certPath: string,
  hardware: string,
  attempts = 5,
): Promise<{ ok: boolean; code: number; output: string }> {
  let last = { ok: false, code: -1, output: '' };
  for (let i = 0; i < attempts; i++) {
    const run = await checkOnce(imagePath, certPath, hardware);
    const started = run.output.indexOf('Software Update started');
    const ended = run.output.indexOf('[endupdate]');
    const ok = run.output.includes('SWUPDATE successful !') && !run.output.includes('[ERROR]');
    last = { ...run, ok };
    if (started >= 0 && ended > started) break;
  }
  return last;
}

async function checkOnce(imagePath: string, certPath: string, hardware: string): Promise<{ code: number; output: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'swu-'));
  try {
    const child = spawn('/bin/sh', ['-c', IGNORE_SIGPIPE_EXEC, SWUPDATE_BIN, '-B', 'none', '-v', '-c', '-i', imagePath, '-k', certPath, '-H', hardware], {
      env: childEnv(tmp),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? -1)));
    if (child.pid) await killGroup(child.pid);
    return { code, output };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * `details` strings swupdate puts in its feedback POSTs; a server (or test) can key on them.
 * Run 1 (install): "Installing Update Chunk Artifacts." → log batches → "Installed Chunk." → "All Chunks Installed."
 * (all execution=proceeding, finished=none; the last one marks the end of a successful install).
 * Run 2 (`confirm: 2`): one POST execution=closed, finished=success, details ["Update Installed."].
 */
export const SWUPDATE_FEEDBACK = {
  installStarted: 'Installing Update Chunk Artifacts.',
  chunkInstalled: 'Installed Chunk.',
  allChunksInstalled: 'All Chunks Installed.',
  confirmedSuccess: 'Update Installed.',
  testingPending: 'Update Installed, Testing Pending.',
  confirmedFailure: 'Update Failed.',
  skipped: 'Skipped Update.',
  cancelAcknowledged: 'cancellation acknowledged.',
  noSuitableImage: 'No suitable .swu image found',
} as const;

/** Lines swupdate prints (with `-v`) that tell a test where a run is, for `waitForOutput`. */
export const SWUPDATE_LOG = {
  /** Start-up is done; with `confirm`, only printed after the server accepted that report with HTTP 200. */
  mainLoop: /entering suricatta main loop/,
  /** Run 1 finished installing and has POSTed "All Chunks Installed.". */
  installSucceeded: /Update successful, executing post-update actions/,
  /** An install failed; swupdate has POSTed execution=closed, finished=failure. */
  installFailed: /Error processing update chunk named/,
  /** The server answered a request with a status swupdate rejects (it only accepts 200, not 201/204). */
  httpError: /Channel operation returned (?:unhandled )?HTTP error code (\d+)/,
} as const;

export interface SuricattaOptions {
  /** Base URL without tenant, e.g. http://127.0.0.1:3000 (swupdate requests `${serverUrl}/${tenant}/controller/v1/${controllerId}`). */
  serverUrl: string;
  tenant: string;
  controllerId: string;
  /** Sent as `Authorization: TargetToken <token>` on every request, artifact downloads included. */
  token: string;
  certPath: string;
  hardware: string;
  /** Scratch dir for this instance (created); swupdate's sockets and temp files go to `<workDir>/tmp`. */
  workDir: string;
  /**
   * `-c`: what to report at start-up, as after a reboot: 1 = installed/testing pending (proceeding),
   * 2 = success (closed/success "Update Installed."), 3 = failure (closed/failure "Update Failed.").
   * Leave unset for run 1 (install).
   */
  confirm?: 1 | 2 | 3;
  /** `-p`: poll delay used only until the server's first reply; afterwards `config.polling.sleep` rules. Default 1. */
  pollSeconds?: number;
  /**
   * Writes a config file with an `identify` section and passes `-f`: swupdate then PUTs these as configData
   * whenever the server's poll reply has a `configData` link (and installs nothing while that link persists).
   */
  identify?: Record<string, string>;
}

export interface SuricattaHandle {
  process: ChildProcess;
  /** Everything swupdate printed so far (stdout + stderr). */
  output(): string;
  /** Resolves once `pattern` appears in the output; rejects after `timeoutMs` or if swupdate exits first. */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERMs swupdate's whole process group (it forks helpers), SIGKILLs after 5 s, removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts swupdate as a hawkBit DDI client. It never exits on its own (it polls forever), so tests wait for
 * the server to see the feedback that ends the run (or for `waitForOutput`) and then `stop()` it.
 * Isolation (so instances can run in parallel and nothing on the host is touched):
 * - TMPDIR → its IPC sockets (default /tmp/sockinstctrl, /tmp/swupdateprog) and extraction files move there;
 * - `-B none`: the bootloader "environment" lives in RAM, so the update state (ustate) dies with the process;
 *   that is also why run 2 must be told the outcome with `confirm`;
 * - no `-f` unless `identify` is given (this build reads no config file by default), `-H` given so
 *   /etc/hwrevision is not needed; proxy variables are removed so libcurl talks to loopback directly;
 * - it runs with SIGPIPE ignored (see IGNORE_SIGPIPE_EXEC), or it occasionally dies mid-update under load.
 * Do not add `-m`: without the in-RAM "installed" state, swupdate reinstalls a still-open action every poll.
 */
export function startSuricatta(opts: SuricattaOptions): SuricattaHandle {
  for (const [name, value] of Object.entries({ tenant: opts.tenant, controllerId: opts.controllerId, token: opts.token, serverUrl: opts.serverUrl })) {
    // swupdate splits the -u argument string on whitespace.
    if (!value || /\s/.test(value)) throw new Error(`startSuricatta: ${name} must be non-empty without whitespace`);
  }
  const workDir = resolve(opts.workDir);
  // A unix socket path must fit in 108 bytes; fall back to a short private dir under the OS temp dir.
  let tmp = join(workDir, 'tmp');
  let ownTmp = false;
  if (join(tmp, 'sockinstctrl').length > 100) {
    tmp = mkdtempSync(join(tmpdir(), 'swu-'));
    ownTmp = true;
  }
  const suricatta = [
    '-t', opts.tenant,
    '-u', opts.serverUrl.replace(/\/+$/, ''),
    '-i', opts.controllerId,
    '-k', opts.token,
    '-p', String(opts.pollSeconds ?? 1),
    // Resume an interrupted download after 1 s instead of 5 s.
    '-w', '1',
    ...(opts.confirm ? ['-c', String(opts.confirm)] : []),
  ].join(' ');
  const args = ['-v', '-B', 'none', '-k', opts.certPath, '-H', opts.hardware];
  const configPath = join(workDir, 'swupdate.cfg');
  if (opts.identify) args.push('-f', configPath);
  args.push('-u', suricatta);

  let out = '';
  const waiters = new Set<() => void>();
  // Synchronous so that `process` exists as soon as this returns.
  mkdirSync(tmp, { recursive: true });
  if (opts.identify) writeFileSync(configPath, identifyConfig(opts.identify));

  const child = spawn('/bin/sh', ['-c', IGNORE_SIGPIPE_EXEC, SWUPDATE_BIN, ...args], {
    env: childEnv(tmp),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() reaches the helpers it forks
  });
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((done) => {
    child.on('exit', (code, signal) => {
      done(code ?? signal ?? -1);
      for (const wake of waiters) wake();
    });
    child.on('error', (err) => {
      out += `\n[harness] spawn error: ${err.message}\n`;
      done(-1);
      for (const wake of waiters) wake();
    });
  });
  let exitValue: number | string | undefined;
  void exited.then((v) => (exitValue = v));

  const waitForOutput = (pattern: RegExp | string, timeoutMs = 30_000) =>
    new Promise<void>((done, fail) => {
      const matches = () => (typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out));
      const finish = (err?: Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) fail(err);
        else done();
      };
      const check = () => {
        if (matches()) finish();
        else if (exitValue !== undefined) finish(new Error(`swupdate exited (${exitValue}) before printing ${String(pattern)}\n${tailOf(out)}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)}\n${tailOf(out)}`)),
        timeoutMs,
      );
      waiters.add(check);
      check();
    });

  const stop = async () => {
    if (exitValue === undefined && child.pid) {
      signalGroup(child.pid, 'SIGTERM');
      const killer = setTimeout(() => child.pid && signalGroup(child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    if (child.pid) await killGroup(child.pid);
    if (ownTmp) await rm(tmp, { recursive: true, force: true });
  };

  return { process: child, output: () => out, waitForOutput, exited, stop };
}

function identifyConfig(identify: Record<string, string>): string {
  const entries = Object.entries(identify).map(([name, value]) => {
    if (!SAFE_LIBCONFIG.test(name) || !SAFE_LIBCONFIG.test(value)) throw new Error(`identify entry ${name} is not libconfig-safe`);
    return `\t{ name = "${name}"; value = "${value}"; }`;
  });
  return `globals :\n{\n\tverbose = true;\n};\nidentify : (\n${entries.join(',\n')}\n);\n`;
}

function childEnv(tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  for (const key of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(key)) delete env[key];
  return env;
}

/**
 * swupdate's helpers may outlive its main process by a moment: SIGKILL the group and wait (max 2 s) until no
 * member is left but zombies (orphans are reaped by init whenever it gets to it, which can take seconds).
 */
async function killGroup(pgid: number): Promise<void> {
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && liveGroupMembers(pgid) > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

/** Counts non-zombie processes whose process group is `pgid` (from /proc/<pid>/stat: "pid (comm) S ppid pgrp"). */
function liveGroupMembers(pgid: number): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') count++;
  }
  return count;
}

/** Signals a process group; false once the group no longer exists. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function tailOf(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}
