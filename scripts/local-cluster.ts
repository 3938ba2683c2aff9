// Several PosFleet nodes on one PostgreSQL database behind HAProxy, all on loopback: what `npm run
// cluster` starts for a try-out, and what test/cluster.test.ts kills a node of. Every node is a real
// `posfleet serve` process; HAProxy checks each one's /health and sends requests to the living ones.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HAPROXY = '/usr/sbin/haproxy';

export interface ClusterNode {
  name: string;
  url: string;
  process: ChildProcess;
  /** The last lines the node wrote (for a failure's message). */
  output: string[];
}

export interface LocalCluster {
  /** HAProxy's address: where terminals and operators go. */
  url: string;
  nodes: ClusterNode[];
  dataDir: string;
  /** Stops HAProxy and every node still running, and removes the shared data folder. */
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  databaseUrl: string;
  adminToken: string;
  nodes?: number;
  /** HAProxy's port (0: any free one). */
  port?: number;
  /** Environment every node shares (it is one installation): intervals, secrets, retention. */
  env?: Record<string, string>;
  /** How often HAProxy checks each node, and how many failed checks take it out. */
  checkIntervalMs?: number;
  fallChecks?: number;
  /** Each line a node or HAProxy writes, e.g. to show it with the node's name. */
  onOutput?: (source: string, line: string) => void;
}

/** A loopback port nothing listens on: it was free a moment ago. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** HAProxy in front of the nodes: round robin, HTTP health checks, the serving node named in X-Served-By. */
export function haproxyConfig(port: number, nodes: { name: string; port: number }[], checkIntervalMs: number, fallChecks: number): string {
  return [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    // A dead node refuses the check at once; a busy one may take a while to answer it and is still alive.
    '  timeout check 3s',
    '  timeout client 60s',
    // The live stream sends a keep-alive comment every 15 s: a minute without a byte is a dead node.
    '  timeout server 60s',
    // A node that refuses the connection (killed, restarting): the request goes to another one.
    '  retries 2',
    '  option redispatch 1',
    'frontend posfleet',
    `  bind 127.0.0.1:${port}`,
    '  default_backend nodes',
    'backend nodes',
    '  balance roundrobin',
    '  option httpchk GET /health',
    '  http-check expect status 200',
    '  http-response set-header X-Served-By %s',
    `  default-server inter ${checkIntervalMs}ms fall ${fallChecks} rise 2`,
    ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check`),
    '',
  ].join('\n');
}

function lineReader(source: string, sink: string[], onOutput: LocalClusterOptions['onOutput']) {
  let rest = '';
  return (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      sink.push(line);
      if (sink.length > 50) sink.shift();
      onOutput?.(source, line);
    }
  };
}

async function waitHealthy(node: ClusterNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (node.process.exitCode !== null || node.process.signalCode !== null) {
      throw new Error(`${node.name} exited while starting:\n${node.output.join('\n')}`);
    }
    const ok = await fetch(`${node.url}/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${node.name} not healthy within ${timeoutMs} ms:\n${node.output.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(force); resolve(); });
    child.kill(signal);
  });
}

/**
 * Starts the nodes (the first alone, so that it creates the schema and the admin token; the others
 * together), then HAProxy in front of them once every node answers its health check.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const count = options.nodes ?? 3;
  const dataDir = mkdtempSync(join(tmpdir(), 'posfleet-cluster-'));
  const nodes: ClusterNode[] = [];
  let haproxy: ChildProcess | undefined;
  const stop = async () => {
    if (haproxy) await stopProcess(haproxy, 'SIGUSR1', 2_000);
    await Promise.all(nodes.map((n) => stopProcess(n.process)));
    rmSync(dataDir, { recursive: true, force: true });
  };
  const startNode = async (index: number): Promise<ClusterNode> => {
    const name = `node${index + 1}`;
    const port = await freeLoopbackPort();
    const child = spawn(process.execPath, [join(ROOT, 'bin/posfleet.mjs'), 'serve'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, LOG_LEVEL: 'warn', ...options.env,
        // What makes them one installation: the same database, admin token and shared files.
        DATABASE_URL: options.databaseUrl, POSFLEET_ADMIN_TOKEN: options.adminToken, DATA_DIR: dataDir,
        HOST: '127.0.0.1', PORT: String(port), TRUST_PROXY: 'true',
      },
    });
    const node: ClusterNode = { name, url: `http://127.0.0.1:${port}`, process: child, output: [] };
    child.stdout!.on('data', lineReader(name, node.output, options.onOutput));
    child.stderr!.on('data', lineReader(name, node.output, options.onOutput));
    nodes.push(node);
    await waitHealthy(node, 90_000);
    return node;
  };
  try {
    await startNode(0);
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => startNode(i + 1)));
    nodes.sort((a, b) => a.name.localeCompare(b.name));
    const port = options.port || await freeLoopbackPort();
    const configFile = join(dataDir, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig(port, nodes.map((n) => ({ name: n.name, port: Number(new URL(n.url).port) })), options.checkIntervalMs ?? 1_000, options.fallChecks ?? 2));
    const output: string[] = [];
    haproxy = spawn(HAPROXY, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout!.on('data', lineReader('haproxy', output, options.onOutput));
    haproxy.stderr!.on('data', lineReader('haproxy', output, options.onOutput));
    await waitHealthy({ name: 'haproxy', url: `http://127.0.0.1:${port}`, process: haproxy, output }, 30_000);
    return { url: `http://127.0.0.1:${port}`, nodes, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
