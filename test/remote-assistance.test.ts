// Remote assistance with the real server on loopback and SDK terminals whose logs and screen come from
// the simulator's virtual terminal: collect_logs asked for an incident yields a gzip log file listed on
// the incident and downloadable (audited) by those allowed; a screenshot is a real PNG; an upload the
// link cut mid-way resumes with only the missing chunks; retention removes old files; a message on the
// screen is acknowledged by the staff and the operator sees when and by whom.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PosFleetTerminal, type AssistanceEvent, type FetchLike, type ScreenMessage } from '../src/sdk/index.ts';
import { VirtualTerminal } from '../src/simulator/virtual-terminal.ts';
import { databases } from './support/databases.ts';
import { ADMIN_TOKEN, heartbeatContent, operatorApi, poll, startTestServer, type TestServer } from './support/server.ts';

type ErrorBody = { error: { field?: string; key?: string; message: string } };

describe.each(databases())('remote assistance against a running server on $name', (kind) => {
  let server: TestServer;
  let siteId: string;
  let modelId: string;
  let merchantId: string;
  let n = 0;
  const serial = () => `RA-${String(++n).padStart(4, '0')}`;
  const api = (method: string, path: string, body?: unknown) => operatorApi(server)(method, path, body);

  async function enrolled(options: { fetch?: FetchLike; messages?: ScreenMessage[]; events?: AssistanceEvent[] } = {}) {
    const serialNumber = serial();
    const virtual = new VirtualTerminal({ serialNumber, seed: n, intervalSeconds: 60 });
    // Ten hours of its own log: the virtual terminal keeps its newest lines, the older ones are kept
    // here as a rotated log would be, so the application hands over the whole day.
    const archive: string[] = [];
    let at = Date.parse('2026-12-07T02:00:00Z');
    for (let i = 0; i < 600; i++) {
      virtual.step(new Date((at += 60_000)));
      if (i % 10 === 9) {
        const last = archive.at(-1)?.slice(0, 24) ?? '';
        archive.push(...virtual.logLines().filter((line) => line.slice(0, 24) > last));
      }
    }
    const fullLog = () => {
      const last = archive.at(-1)?.slice(0, 24) ?? '';
      return [...archive, ...virtual.logLines().filter((line) => line.slice(0, 24) > last)];
    };
    const code = (await api('POST', '/api/v1/enrolment-codes', { modelId, siteId, uses: 1 })).code as string;
    const t = new PosFleetTerminal({
      server: server.url, serialNumber, locale: 'en', retry: { baseDelayMs: 5, maxDelayMs: 20, attempts: 1 },
      assistance: { logs: () => fullLog(), screenshot: () => virtual.screenshot(), chunkSize: 1024 },
      onMessage: (m) => options.messages?.push(m), onAssistance: (e) => options.events?.push(e),
      ...(options.fetch && { fetch: options.fetch }),
    });
    const { terminalId } = await t.enrol(code);
    return { t, terminalId, virtual, serialNumber, fullLog };
  }

  const download = (terminalId: string, fileId: string, token = ADMIN_TOKEN) =>
    fetch(`${server.url}/api/v1/terminals/${terminalId}/files/${fileId}/download`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'posfleet-ra-data-'));
    server = await startTestServer({ prefix: 'posfleet-ra', env: { DATA_DIR: dataDir, ...(kind.name === 'postgres' && { DATABASE_URL: await kind.fresh() }) } });
    modelId = (await api('POST', '/api/v1/terminal-models', {
      code: 'RA-MODEL', vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    })).id;
    // Paper out makes the operator's incident these tests attach files to at once (by default the shop has 30 minutes).
    await api('PUT', `/api/v1/terminal-models/${modelId}/diagnostic-thresholds`, { merchantFirst: { paperOutMinutes: 0 } });
    merchantId = (await api('POST', '/api/v1/merchants', { name: 'RA merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' })).id;
    siteId = (await api('POST', '/api/v1/sites', { merchantId, code: 'RA-SITE', name: 'RA site' })).id;
  });
  afterAll(() => server?.close());

  it('collect_logs on an incident yields the terminal\'s gzip log, listed on the incident and downloadable, every download audited', async () => {
    const x = await enrolled();
    await x.t.heartbeat(heartbeatContent({ printer: { paper: 'out', jam: false, coverOpen: false } }));
    const incident = await poll(async () => (await api('GET', `/api/v1/incidents?terminalId=${x.terminalId}`)).items.find((i: { rule: string }) => i.rule === 'printer_paper_out'), 20_000, 'the paper-out incident');

    const asked = await api('POST', `/api/v1/terminals/${x.terminalId}/files/requests`, { kind: 'logs', incidentId: incident.id });
    expect(asked.commandId).toEqual(expect.any(String));
    // Asked again while it waits: the same command (a double click collects once).
    expect((await api('POST', `/api/v1/terminals/${x.terminalId}/files/requests`, { kind: 'logs', incidentId: incident.id })).commandId).toBe(asked.commandId);

    await x.t.heartbeat(heartbeatContent());
    expect(x.t.pendingCommands.map((c) => c.type)).not.toContain('collect_logs'); // the SDK carries it out itself
    await x.t.assistanceSettled();

    const onIncident = (await api('GET', `/api/v1/incidents/${incident.id}/files`)).items;
    expect(onIncident).toHaveLength(1);
    const file = onIncident[0];
    expect(file).toMatchObject({ kind: 'logs', state: 'stored', encoding: 'gzip', incidentId: incident.id, commandId: asked.commandId, requestedBy: expect.any(String), keptUntil: expect.any(String) });
    expect(file.fileName).toMatch(new RegExp(`^${x.serialNumber}-logs-[0-9]{8}T[0-9]{6}Z\\.log\\.gz$`));
    expect((await api('GET', `/api/v1/terminals/${x.terminalId}/files`)).items.map((f: { id: string }) => f.id)).toEqual([file.id]);

    const response = await download(x.terminalId, file.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/gzip');
    expect(response.headers.get('content-disposition')).toContain(file.fileName);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    const text = gunzipSync(bytes).toString('utf8');
    expect(text.split('\n').filter(Boolean)).toEqual(x.fullLog());
    expect(text).toContain('INFO  heartbeat app=');

    // The command says what came of it; the download is on the audit trail, by whom and which file.
    const command = (await api('GET', `/api/v1/terminals/${x.terminalId}/commands`)).items.find((c: { id: string }) => c.id === asked.commandId);
    expect(command).toMatchObject({ status: 'succeeded', result: { fileId: file.id } });
    const audit = (await api('GET', '/api/v1/audit?limit=50')).items.filter((e: { action: string }) => e.action === 'terminal_file.download');
    expect(audit[0]).toMatchObject({ objectId: file.id, outcome: 'success' });
  });

  it('keeps only what the command allows: the oldest lines are left out and the file says so', async () => {
    const events: AssistanceEvent[] = [];
    const x = await enrolled({ events });
    await api('POST', `/api/v1/terminals/${x.terminalId}/files/requests`, { kind: 'logs', maxBytes: 4096 });
    await x.t.heartbeat(heartbeatContent());
    await x.t.assistanceSettled();
    const [file] = (await api('GET', `/api/v1/terminals/${x.terminalId}/files`)).items;
    expect(file).toMatchObject({ state: 'stored', truncated: true });
    expect(file.sizeBytes).toBeLessThanOrEqual(4096);
    const text = gunzipSync(Buffer.from(await (await download(x.terminalId, file.id)).arrayBuffer())).toString('utf8');
    expect(text.split('\n')[0]).toMatch(/^\[posfleet\] [0-9]+ older lines left out/);
    expect(text.trimEnd().endsWith(x.fullLog().at(-1)!)).toBe(true); // the newest line is kept
  });

  it('uploads a screenshot as a real PNG', async () => {
    const x = await enrolled();
    await api('POST', `/api/v1/terminals/${x.terminalId}/files/requests`, { kind: 'screenshot' });
    await x.t.heartbeat(heartbeatContent());
    await x.t.assistanceSettled();
    const [file] = (await api('GET', `/api/v1/terminals/${x.terminalId}/files`)).items;
    expect(file).toMatchObject({ kind: 'screenshot', state: 'stored', contentType: 'image/png', encoding: 'identity', incidentId: null });
    const response = await download(x.terminalId, file.id);
    expect(response.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await response.arrayBuffer());
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(48); // IHDR width
  });

  it('resumes an upload the link cut mid-way: the next heartbeat sends only the missing chunks', async () => {
    let cut = false;
    let cutDone = false;
    const chunkPuts = new Map<number, number>();
    const link: FetchLike = (url, init) => {
      if (cut) return Promise.reject(new TypeError('fetch failed: link down'));
      const m = /\/files\/[^/]+\/chunks\/([0-9]+)$/.exec(url);
      if (m && init.method === 'PUT') {
        const i = Number(m[1]);
        chunkPuts.set(i, (chunkPuts.get(i) ?? 0) + 1);
        if (i === 2 && !cutDone) cut = cutDone = true; // the link drops while chunk 2 is on its way
        if (cut) return Promise.reject(new TypeError('fetch failed: link down'));
      }
      return fetch(url, init);
    };
    const events: AssistanceEvent[] = [];
    const x = await enrolled({ fetch: link, events });
    await api('POST', `/api/v1/terminals/${x.terminalId}/files/requests`, { kind: 'logs' });
    await x.t.heartbeat(heartbeatContent());
    await x.t.assistanceSettled();
    expect(events.map((e) => e.type)).toEqual(['file_interrupted']);
    const [uploading] = (await api('GET', `/api/v1/terminals/${x.terminalId}/files`)).items;
    expect(uploading.state).toBe('uploading');

    cut = false; // the link is back: the next heartbeat resumes
    await x.t.heartbeat(heartbeatContent());
    await x.t.assistanceSettled();
    expect(events.map((e) => e.type)).toEqual(['file_interrupted', 'file_stored']);
    const [file] = (await api('GET', `/api/v1/terminals/${x.terminalId}/files`)).items;
    expect(file).toMatchObject({ id: uploading.id, state: 'stored' });
    expect(chunkPuts.get(0)).toBe(1); // chunks the server had were not sent again
    expect(chunkPuts.get(1)).toBe(1);
    expect(chunkPuts.get(2)).toBe(2);
    const text = gunzipSync(Buffer.from(await (await download(x.terminalId, file.id)).arrayBuffer())).toString('utf8');
    expect(text.split('\n').filter(Boolean)).toEqual(x.fullLog());
  });

  it('refuses a file larger than asked (naming sizeBytes), one for another terminal\'s incident, and downloads by those not allowed', async () => {
    const x = await enrolled();
    const other = await enrolled();
    await other.t.heartbeat(heartbeatContent({ printer: { paper: 'out', jam: false, coverOpen: false } }));
    const incident = await poll(async () => (await api('GET', `/api/v1/incidents?terminalId=${other.terminalId}`)).items[0], 20_000, 'an incident');
    const wrong = await fetch(`${server.url}/api/v1/terminals/${x.terminalId}/files/requests`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'accept-language': 'zh-CN' }, body: JSON.stringify({ kind: 'logs', incidentId: incident.id }),
    });
    expect(wrong.status).toBe(400);
    expect((await wrong.json() as ErrorBody).error).toMatchObject({ field: 'incidentId', message: expect.stringContaining('另一台终端') });

    const command = await api('POST', `/api/v1/terminals/${x.terminalId}/files/requests`, { kind: 'logs', maxBytes: 4096 });
    const credential = (x.t as unknown as { credential: string }).credential;
    const big = await fetch(`${server.url}/device/v1/files`, {
      method: 'POST', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({ uploadId: 'too-big-0001', commandId: command.commandId, kind: 'logs', encoding: 'gzip', sha256: 'a'.repeat(64), sizeBytes: 9000, originalBytes: 90000, truncated: false, chunkSize: 1024, takenAt: new Date().toISOString() }),
    });
    expect(big.status).toBe(400);
    expect((await big.json() as ErrorBody).error.field).toBe('sizeBytes');
    // A terminal that asks in Chinese is told in Chinese, with the key its software can read.
    const raw = await fetch(`${server.url}/device/v1/files`, {
      method: 'POST', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', 'accept-language': 'zh-CN' },
      body: JSON.stringify({ uploadId: 'raw-logs-0001', commandId: command.commandId, kind: 'logs', encoding: 'identity', sha256: 'a'.repeat(64), sizeBytes: 900, originalBytes: 900, truncated: false, chunkSize: 1024, takenAt: new Date().toISOString() }),
    });
    expect(raw.status).toBe(400);
    expect((await raw.json() as ErrorBody).error).toMatchObject({ field: 'encoding', key: 'assistance.encoding_wrong', message: '日志须以 gzip 压缩后发送。' });

    // An auditor reads the estate but does not assist terminals: no download; another merchant's user does not see the terminal.
    const tokenOf = async (role: string, extra: Record<string, unknown> = {}) => {
      const user = await api('POST', '/api/v1/users', { email: `ra-${role}-${++n}@example.com`, name: `RA ${role}`, role, password: 'assist-pass-2026', ...extra });
      return (await server.services.access.createToken(user.id, { name: role })).token;
    };
    const [stored] = (await api('GET', `/api/v1/terminals/${other.terminalId}/files`)).items;
    expect(stored).toBeUndefined();
    expect((await download(x.terminalId, 'any-file', await tokenOf('auditor'))).status).toBe(403);
    const stranger = (await api('POST', '/api/v1/merchants', { name: `RA other ${n}`, timeZone: 'Asia/Shanghai', locale: 'zh-CN' })).id;
    const merchantToken = await tokenOf('merchant', { merchantId: stranger });
    const listed = await fetch(`${server.url}/api/v1/terminals/${x.terminalId}/files`, { headers: { authorization: `Bearer ${merchantToken}` } });
    expect(listed.status).toBe(404);
  });

  it('retention removes files older than the setting', async () => {
    const x = await enrolled();
    await api('POST', `/api/v1/terminals/${x.terminalId}/files/requests`, { kind: 'screenshot' });
    await x.t.heartbeat(heartbeatContent());
    await x.t.assistanceSettled();
    const [file] = (await api('GET', `/api/v1/terminals/${x.terminalId}/files`)).items;
    expect(Date.parse(file.keptUntil) - Date.parse(file.storedAt)).toBe(30 * 86_400_000); // ASSISTANCE_FILE_RETENTION_DAYS
    expect((await server.services.assistance.artifacts.prune()).pruned).toBe(0);
    // Stored 31 days ago: the retention job removes it, and it is no longer served.
    await server.services.db.kysely.updateTable('terminal_artifacts').set({ stored_at: new Date(Date.now() - 31 * 86_400_000).toISOString() }).where('id', '=', file.id).execute();
    expect((await server.services.assistance.artifacts.prune()).pruned).toBeGreaterThanOrEqual(1);
    expect((await api('GET', `/api/v1/terminals/${x.terminalId}/files`)).items[0]).toMatchObject({ id: file.id, state: 'pruned', keptUntil: null });
    const gone = await download(x.terminalId, file.id);
    expect(gone.status).toBe(409);
    expect((await gone.json() as ErrorBody).error).toMatchObject({ key: 'assistance.file_not_stored', message: expect.stringContaining('保留期限') });
  });

  it('puts a message on the screen until the staff acknowledge it; the operator sees when and by whom', async () => {
    const messages: ScreenMessage[] = [];
    const x = await enrolled({ messages });
    const sent = await api('POST', `/api/v1/terminals/${x.terminalId}/messages`, { text: '请于今晚 22:00 前更换打印纸 / Please change the paper roll before 22:00' });
    expect(sent).toMatchObject({ state: 'sent', acknowledgedAt: null, sentBy: expect.any(String) });

    await x.t.heartbeat(heartbeatContent());
    await x.t.assistanceSettled();
    expect(messages.map((m) => m.text)).toEqual([sent.text]);
    expect(x.t.screenMessages.map((m) => m.id)).toEqual([sent.id]);
    expect((await api('GET', `/api/v1/terminals/${x.terminalId}/messages`)).items[0]).toMatchObject({ id: sent.id, state: 'shown', shownAt: expect.any(String), acknowledgedAt: null });

    const acked = await x.t.acknowledgeMessage(sent.id, 'cashier 07 Wang');
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'cashier 07 Wang' });
    expect(x.t.screenMessages).toEqual([]);
    // A retried acknowledgement answers the first; the operator sees it.
    expect((await x.t.acknowledgeMessage(sent.id, 'cashier 07 Wang')).acknowledgedAt).toBe(acked.acknowledgedAt);
    expect((await api('GET', `/api/v1/terminals/${x.terminalId}/messages`)).items[0]).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'cashier 07 Wang', acknowledgedAt: acked.acknowledgedAt });
    // Heartbeats after it do not show it again.
    await x.t.heartbeat(heartbeatContent());
    await x.t.assistanceSettled();
    expect(messages).toHaveLength(1);
  });
});
