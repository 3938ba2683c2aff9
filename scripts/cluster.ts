// `npm run cluster`: a throw-away PostgreSQL 15, three PosFleet nodes on it and HAProxy in front, all on
// 127.0.0.1, to try the several-node setup (README: "Several nodes"). Ctrl-C stops everything and
// removes the database. Flags: --nodes N (3), --port P (8080, HAProxy's); DATABASE_URL=postgres://...
// uses that database instead of a throw-away one.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startThrowawayPostgres } from '../test/support/postgres.ts';
import { startLocalCluster } from './local-cluster.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '3' }, port: { type: 'string', default: '8080' } } });
const nodes = Number(values.nodes);
const port = Number(values.port);
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) throw new Error(`--nodes must be an integer between 1 and 16, got "${values.nodes}"`);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got "${values.port}"`);

const given = process.env.DATABASE_URL && /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;
const postgres = given ? undefined : await startThrowawayPostgres();
const adminToken = process.env.POSFLEET_ADMIN_TOKEN || `pfo_${randomBytes(24).toString('base64url')}`;
let cluster: Awaited<ReturnType<typeof startLocalCluster>> | undefined;
try {
  cluster = await startLocalCluster({
    databaseUrl: given ?? postgres!.url, adminToken, nodes, port,
    onOutput: (source, line) => console.log(`[${source}] ${line}`),
  });
} catch (error) {
  await postgres?.stop();
  throw error;
}
console.log([
  `PosFleet cluster: ${nodes} node${nodes === 1 ? '' : 's'} on PostgreSQL ${given ? '(DATABASE_URL)' : postgres!.url}, HAProxy at ${cluster.url}`,
  ...cluster.nodes.map((n) => `  ${n.name}: ${n.url} (pid ${n.process.pid})`),
  `Admin API token: ${adminToken}`,
  `  try: curl -i -H "Authorization: Bearer ${adminToken}" ${cluster.url}/api/v1/terminals   (X-Served-By names the node)`,
  `  kill one: kill -9 <pid>; HAProxy sends everything to the others within ~2 s. Ctrl-C stops everything.`,
].join('\n'));

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping...');
  await cluster!.stop();
  await postgres?.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
