// Three real PosFleet nodes on one PostgreSQL behind a real HAProxy (scripts/local-cluster.ts, as `npm
// run cluster` starts them); one node is killed with SIGKILL while terminals heartbeat and an operator
// works through HAProxy. Nothing acknowledged is lost or stored twice, the rest of the estate carries on
// through the other nodes, background jobs go on once per slot (a webhook delivery the dead node was
// making is made by another, once), a maintenance job the dead node started is finished through
// another, and the dashboard's live stream comes back from a living node.
import { existsSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAPROXY, startLocalCluster, type ClusterNode, type LocalCluster } from '../scripts/local-cluster.ts';
import { openDatabase, type Db } from '../src/db/database.ts';
import { heartbeatReport } from './support/app.ts';
import { postgresUrl } from './support/env.ts';
import { createFreshPostgresDatabase } from './support/postgres.ts';
import { ADMIN_TOKEN, FAST_SERVER_ENV, poll, sleep, waitFor } from './support/server.ts';

const TERMINALS = 6;
/** Generous: a request that takes this long has hung, whatever the machine's load. */
const HANG = 30_000;

/** A minimal EventSource: the first `fleet` snapshot of a stream, who served it, and when the stream ends. */
async function openLiveStream(url: string): Promise<{ servedBy: string | null; snapshot: { terminals: unknown[] }; ended: Promise<void>; close(): void }> {
  const controller = new AbortController();
  const hung = setTimeout(() => controller.abort(), HANG); // until the first snapshot
  const response = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/event-stream' }, signal: controller.signal });
  if (response.status !== 200) throw new Error(`live stream: ${response.status} ${await response.text()}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const event = /event: fleet\ndata: (.*)\n\n/.exec(buffer);
    if (event) {
      clearTimeout(hung);
      const ended = (async () => {
        try {
          while (!(await reader.read()).done) { /* later snapshots: not looked at */ }
        } catch { /* the connection broke: ended as well */ }
      })();
      return { servedBy: response.headers.get('x-served-by'), snapshot: JSON.parse(event[1]!), ended, close: () => controller.abort() };
    }
    const chunk = await reader.read();
    if (chunk.done) throw new Error('live stream ended before its first snapshot');
    buffer += decoder.decode(chunk.value, { stream: true });
  }
}

/** A webhook receiver that keeps its first request waiting (a slow back office) and answers the others. */
async function slowReceiver() {
  const requests: string[] = [];
  const waiting: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      requests.push(body);
      if (requests.length === 1) waiting.push(res);
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`, requests,
    close: () => new Promise<void>((resolve) => { for (const res of waiting) res.destroy(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe.skipIf(!postgresUrl() || !existsSync(HAPROXY))('three nodes on PostgreSQL behind HAProxy, one killed with SIGKILL under load', () => {
  let cluster: LocalCluster | undefined;
  let db: Db | undefined;
  let receiver: Awaited<ReturnType<typeof slowReceiver>> | undefined;
  beforeAll(async () => {
    receiver = await slowReceiver();
    const databaseUrl = await createFreshPostgresDatabase(postgresUrl()!);
    db = openDatabase(databaseUrl);
    cluster = await startLocalCluster({
      databaseUrl, adminToken: ADMIN_TOKEN, nodes: 3, checkIntervalMs: 300, fallChecks: 2,
      // A lease short enough to see a dead node's jobs taken over, long enough that a busy node keeps its own.
      env: { ...FAST_SERVER_ENV, JOB_LEASE_SECONDS: '6', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32', WEBHOOK_TIMEOUT_MS: '120000' },
    });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await db?.close();
    await receiver?.close();
  });

  it('loses no acknowledged heartbeat, carries on through the others, runs each job slot once and moves the live stream', async () => {
    const { url, nodes } = cluster!;
    const call = async (base: string, method: string, path: string, body?: unknown, credential = ADMIN_TOKEN) => {
      const response = await fetch(base + path, {
        method, signal: AbortSignal.timeout(HANG),
        headers: { authorization: `Bearer ${credential}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, servedBy: response.headers.get('x-served-by'), body: text ? JSON.parse(text) : undefined };
    };
    const api = async (method: string, path: string, body?: unknown, base = url) => {
      const answer = await call(base, method, path, body);
      if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };

    // An estate, through HAProxy (whichever node answers).
    const model = await api('POST', '/api/v1/terminal-models', {
      code: 'CL-MODEL', vendor: 'PAX', model: 'A920',
      components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    });
    const merchant = await api('POST', '/api/v1/merchants', { name: 'Cluster merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    const site = await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: 'CL-SITE', name: 'Cluster site' });
    const { code } = await api('POST', '/api/v1/enrolment-codes', { modelId: model.id, siteId: site.id, uses: TERMINALS });
    const terminals = await Promise.all(Array.from({ length: TERMINALS }, async (_, i) => {
      const enrolled = await call(url, 'POST', '/device/v1/enrol', { serialNumber: `CL-${i}`, code });
      expect(enrolled.status).toBe(201);
      const { terminalId, credential } = enrolled.body as { terminalId: string; credential: string };
      return { terminalId, credential, acknowledged: [] as number[], servedBy: new Set<string>() };
    }));

    // Heartbeat load: each terminal beats through HAProxy; an answer it did not get is sent again with its seq.
    let loading = true;
    const heartbeats = Promise.all(terminals.map(async (t) => {
      let seq = 1;
      while (loading) {
        const answer = await call(url, 'POST', '/device/v1/heartbeat', heartbeatReport(seq), t.credential).catch(() => undefined);
        if (answer?.status === 200) {
          t.acknowledged.push(seq++);
          if (answer.servedBy) t.servedBy.add(answer.servedBy);
        }
        await sleep(50); // pacing, not waiting for something
      }
    }));
    // Operator load: reads of the estate, through HAProxy.
    const operator = { ok: 0, servedBy: new Set<string>() };
    const operating = (async () => {
      while (loading) {
        const answer = await call(url, 'GET', '/api/v1/terminals?limit=50').catch(() => undefined);
        if (answer?.status === 200) {
          operator.ok++;
          if (answer.servedBy) operator.servedBy.add(answer.servedBy);
        }
        await sleep(50); // pacing
      }
    })();

    let stream: Awaited<ReturnType<typeof openLiveStream>> | undefined;
    try {
      await waitFor(() => terminals.every((t) => t.acknowledged.length >= 2), HANG, 'heartbeats before the kill');
      // A finished maintenance job is told to a webhook whose receiver keeps the first attempt waiting:
      // the node making that delivery (a background job) is the one that will be killed.
      await api('POST', '/api/v1/notification-channels', { kind: 'webhook', name: 'Back office', address: receiver!.url, events: ['maintenance.completed'] });
      const finishedEarlier = terminals[1]!;
      const [earlier] = (await api('POST', '/api/v1/maintenance/jobs', { terminalIds: [finishedEarlier.terminalId], work: ['update'], reason: 'before the drill' })).items;
      expect((await call(url, 'POST', `/device/v1/maintenance/${earlier.id}/steps`, { state: 'in_maintenance' }, finishedEarlier.credential)).status).toBe(200);
      expect((await call(url, 'POST', `/device/v1/maintenance/${earlier.id}/steps`, { state: 'verifying', selfTests: [{ name: 'printer', passed: true }] }, finishedEarlier.credential)).body.state).toBe('completed');
      await waitFor(() => receiver!.requests.length === 1, HANG, 'the webhook delivery under way');
      const delivering = await poll(() => db!.kysely.selectFrom('job_runs').innerJoin('jobs', 'jobs.id', 'job_runs.job_id').select(['job_runs.job_id', 'job_runs.node'])
        .where('jobs.kind', '=', 'notification.deliver').where('job_runs.outcome', '=', 'running').executeTakeFirst(), HANG, 'the delivery run recorded');
      const victim: ClusterNode = nodes.find((n) => delivering.node.includes(`:${n.process.pid}:`))!;
      expect(victim).toBeDefined();
      const survivors = nodes.filter((n) => n !== victim).map((n) => n.name);

      // The dashboard's live stream, served by that node (HAProxy takes turns: ask again until it is).
      stream = await poll(async () => {
        const opened = await openLiveStream(url);
        if (opened.servedBy === victim.name) return opened;
        opened.close();
        return undefined;
      }, HANG, 'a live stream served by the node to be killed');
      expect(stream.snapshot.terminals).toHaveLength(TERMINALS);

      // A maintenance job started through the node about to die: the terminal has taken itself out of service.
      const inMaintenance = terminals[0]!;
      const [job] = (await api('POST', '/api/v1/maintenance/jobs', { terminalIds: [inMaintenance.terminalId], work: ['update'], reason: 'cluster drill', expectedMinutes: 20 }, victim.url)).items;
      expect(job.state).toBe('draining');
      expect((await call(victim.url, 'POST', `/device/v1/maintenance/${job.id}/steps`, { state: 'in_maintenance' }, inMaintenance.credential)).body.state).toBe('in_maintenance');

      const held = await db!.kysely.selectFrom('jobs').select('id').where('locked_by', 'like', `%:${victim.process.pid}:%`).execute();
      expect(held.map((h) => h.id)).toContain(delivering.job_id);
      const killedAt = new Date().toISOString();
      const before = terminals.map((t) => t.acknowledged.length);
      const operatorBefore = operator.ok;
      victim.process.kill('SIGKILL');

      // The stream ends with its node; a client reconnecting (as EventSource does) gets a living one.
      let streamEnded = false;
      void stream.ended.then(() => { streamEnded = true; });
      await waitFor(() => streamEnded, HANG, 'the live stream ending with its node');
      const again = await poll(() => openLiveStream(url).catch(() => undefined), HANG, 'the live stream from a living node');
      again.close();
      expect(survivors).toContain(again.servedBy);
      expect(again.snapshot.terminals).toHaveLength(TERMINALS);

      // The load goes on through the other two.
      await waitFor(() => terminals.every((t, i) => t.acknowledged.length >= before[i]! + 3), HANG, 'heartbeats acknowledged after the kill');
      await waitFor(() => operator.ok >= operatorBefore + 3, HANG, 'operator reads after the kill');

      // The terminal finishes its maintenance through whichever node HAProxy picks: a living one settles it.
      const finished = await poll(async () => {
        const answer = await call(url, 'POST', `/device/v1/maintenance/${job.id}/steps`, { state: 'verifying', selfTests: [{ name: 'printer', passed: true }] }, inMaintenance.credential).catch(() => undefined);
        return answer?.status === 200 ? answer : undefined;
      }, HANG, 'the maintenance job finished');
      expect(finished.body.state).toBe('completed');
      expect(survivors).toContain(finished.servedBy);

      // Background jobs go on, on the living nodes; a job the dead node held is taken over when its lease ends.
      const runsAfterKill = () => db!.kysely.selectFrom('job_runs').select(['job_id', 'node'])
        .where('started_at', '>', killedAt).where('outcome', '=', 'succeeded').execute();
      await poll(async () => {
        const ran = new Set((await runsAfterKill()).map((r) => r.job_id));
        return ['offline-sweep', 'maintenance-tick', ...held.map((h) => h.id)].every((id) => ran.has(id)) ? true : undefined;
      }, HANG, 'background jobs running on after the kill');
      expect((await runsAfterKill()).filter((r) => r.node.includes(`:${victim.process.pid}:`))).toEqual([]);
      // The delivery the dead node was making: made again by a living one, and delivered once.
      // (The drill's own job, finished above, is told as well.)
      await poll(async () => {
        const deliveries = await db!.kysely.selectFrom('notification_deliveries').select('status').execute();
        return deliveries.length === 2 && deliveries.every((d) => d.status === 'delivered') ? true : undefined;
      }, HANG, 'both notices delivered');
      const about = (serial: string) => receiver!.requests.filter((body) => body.includes(`"${serial}"`)).length;
      expect({ unansweredThenMadeAgain: about('CL-1'), drill: about('CL-0') }).toEqual({ unansweredThenMadeAgain: 2, drill: 1 });
    } finally {
      loading = false;
      await Promise.all([heartbeats, operating]);
      stream?.close();
    }

    // Every acknowledged heartbeat is stored, once.
    const stored = await db!.kysely.selectFrom('heartbeats').select(['terminal_id', 'seq']).select((eb) => eb.fn.countAll<number>().as('copies'))
      .groupBy(['terminal_id', 'seq']).execute();
    const copies = new Map(stored.map((h) => [`${h.terminal_id} ${Number(h.seq)}`, Number(h.copies)]));
    const notOnce = terminals.flatMap((t) => t.acknowledged.map((seq) => `${t.terminalId} ${seq}`).filter((key) => copies.get(key) !== 1));
    expect(notOnce).toEqual([]);
    // Heartbeats and operator reads were answered by every node before the kill (HAProxy spread them).
    expect(new Set([...operator.servedBy, ...terminals.flatMap((t) => [...t.servedBy])])).toEqual(new Set(nodes.map((n) => n.name)));
    // No slot of a background job succeeded twice.
    const twice = await db!.kysely.selectFrom('job_runs').select(['job_id', 'scheduled_for']).where('outcome', '=', 'succeeded')
      .groupBy(['job_id', 'scheduled_for']).having((eb) => eb.fn.countAll(), '>', 1).execute();
    expect(twice).toEqual([]);
  }, 180_000);
});
