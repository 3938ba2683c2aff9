// Terminal data backups and restores with the real server on loopback and SDK clients: a swap restores
// the faulty terminal's newest backup onto the spare, which counts as in service only once it confirms;
// a terminal reinstalled after a factory reset restores its own; a tampered backup is refused; a blob
// holding a card number is refused by the SDK; a dropped upload resumes with only the missing chunks.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardDataInBackupError, PosFleetError, PosFleetTerminal, type BackupHandlers, type FetchLike, type TerminalClientOptions, type RestoredData, type TerminalData } from '../src/sdk/index.ts';
import { backupTable, listTerminalBackups, requestTerminalRestore } from '../src/cli/terminal-backup.ts';
import { databases } from './support/databases.ts';
import { ADMIN_TOKEN, heartbeatContent, operatorApi, poll, startTestServer, type TestServer } from './support/server.ts';

describe.each(databases())('terminal data backups and restores against a running server on $name', (kind) => {
  let server: TestServer;
  let dataDir: string;
  let siteId: string;
  let modelId: string;
  let siteCode: string;
  let n = 0;
  const serial = () => `TD-${String(++n).padStart(4, '0')}`;
  const api = (method: string, path: string, body?: unknown) => operatorApi(server)(method, path, body);

  /** The POS application's data and what it was handed back on restore. */
  function app(data: TerminalData) {
    const restored: RestoredData[] = [];
    const handlers: BackupHandlers = { collect: () => data, restore: async (d) => void restored.push(d), chunkSize: 1024 };
    return { handlers, restored };
  }

  async function enrolled(serialNumber: string, handlers: BackupHandlers, options: { atSite?: boolean; fetch?: FetchLike; attempts?: number; more?: Partial<TerminalClientOptions> } = {}) {
    if (options.atSite === false) await api('POST', '/api/v1/terminals', { serialNumber, modelId });
    const code = (await api('POST', '/api/v1/enrolment-codes', options.atSite === false ? { serialNumber } : { modelId, siteId, uses: 1 })).code as string;
    const t = new PosFleetTerminal({
      server: server.url, serialNumber, backups: handlers, locale: 'en', retry: { baseDelayMs: 5, maxDelayMs: 20, attempts: options.attempts ?? 3 },
      ...(options.fetch && { fetch: options.fetch }), ...options.more,
    });
    const { terminalId } = await t.enrol(code);
    return { t, terminalId };
  }

  const posData = (tid: string): TerminalData => ({
    configuration: { tid, mid: 'M-88001', acquirerHost: 'acq.example.cn', receiptHeader: '欢迎光临 Welcome' },
    settings: { pendingOffline: [{ ref: 'OFF-1', amountMinor: 1200 }], counters: { batch: 17, stan: 4411 }, localUsers: [{ id: '01', name: '收银员' }] },
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'posfleet-td-data-'));
    server = await startTestServer({ prefix: 'posfleet-td', env: { DATA_DIR: dataDir, ...(kind.name === 'postgres' && { DATABASE_URL: await kind.fresh() }) } });
    modelId = (await api('POST', '/api/v1/terminal-models', {
      code: 'TD-MODEL', vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] },
    })).id;
    const merchant = await api('POST', '/api/v1/merchants', { name: 'TD merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
    siteCode = 'TD-SITE';
    siteId = (await api('POST', '/api/v1/sites', { merchantId: merchant.id, code: siteCode, name: 'TD site' })).id;
  });
  afterAll(() => server?.close());

  it("restores the faulty terminal's newest backup onto the spare, which is in service only once it confirms", async () => {
    const faultyApp = app(posData('T-0001'));
    const faulty = await enrolled(serial(), faultyApp.handlers);
    await faulty.t.backup('weekly');
    const newest = await faulty.t.backup('manual');
    expect(newest).toMatchObject({ kind: 'manual', state: 'stored', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // The operator sees both; the file the server keeps is encrypted and verifies against its SHA-256.
    const listed = (await api('GET', `/api/v1/terminals/${faulty.terminalId}/backups`)).items;
    expect(listed.map((b: { kind: string; state: string }) => [b.kind, b.state])).toEqual([['manual', 'stored'], ['weekly', 'stored']]);
    const download = await fetch(`${server.url}/api/v1/terminals/${faulty.terminalId}/backups/${newest.id}/download`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(download.status).toBe(200);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(newest.sha256);
    expect(bytes.includes(Buffer.from('T-0001'))).toBe(false);
    expect(bytes.includes(Buffer.from('M-88001'))).toBe(false);
    // The same list through `posfleet terminal-backup list`.
    expect(backupTable(await listTerminalBackups(server.url, ADMIN_TOKEN, faulty.terminalId)).map((r) => [r.id, r.kind, r.state])).toEqual([[newest.id, 'manual', 'stored'], [listed[1].id, 'weekly', 'stored']]);

    // A spare in a pool; a swap on a work order.
    const spareApp = app({ configuration: { tid: null }, settings: {} });
    const spare = await enrolled(serial(), spareApp.handlers, { atSite: false });
    const depot = await api('POST', '/api/v1/depots', { code: 'TD-DEPOT', name: 'TD depot', region: 'SH' });
    const pool = await api('POST', '/api/v1/backup-pools', { code: 'TD-POOL', name: 'TD spares', depotId: depot.id });
    await api('POST', `/api/v1/backup-pools/${pool.id}/terminals`, { terminalId: spare.terminalId });
    const order = await api('POST', '/api/v1/work-orders', { title: 'card reader dead', siteId, terminalIds: [faulty.terminalId], source: 'merchant_request' });
    const swap = await api('POST', `/api/v1/work-orders/${order.id}/swap`, { faultyTerminalId: faulty.terminalId, spareTerminalId: spare.terminalId });
    const restoredAt = async () => (await api('GET', `/api/v1/custody/${swap.custodyId}`)).swap.restoredAt as string | null;

    // Not in service yet: the merchant is not restored until the spare confirms.
    expect(swap.restoredAt).toBeNull();
    expect(await restoredAt()).toBeNull();
    expect((await api('GET', `/api/v1/terminals/${spare.terminalId}/restores`)).items).toEqual([
      expect.objectContaining({ state: 'pending', reason: 'swap', backupId: newest.id, sourceTerminalId: faulty.terminalId, workOrderId: order.id }),
    ]);

    const confirmed = await spare.t.restore();
    expect(confirmed).toMatchObject({ state: 'confirmed', reason: 'swap' });
    // The faulty terminal's data, re-bound to the spare's serial: TID/MID move with the site's slot.
    expect(spareApp.restored).toEqual([{ ...posData('T-0001'), serialNumber: spare.t.serialNumber, sourceSerialNumber: faulty.t.serialNumber, reason: 'swap', takenAt: expect.any(String) }]);
    expect(await restoredAt()).toEqual(expect.any(String));
    expect(await spare.t.restore()).toBeNull(); // nothing more to restore
    expect(spare.t.canTransact()).toEqual({ allowed: true });

    // `posfleet terminal-backup restore SPARE` queues its own newest backup... which it has none of yet.
    await expect(requestTerminalRestore(server.url, ADMIN_TOKEN, spare.terminalId, {})).rejects.toThrow(`the server answered 409: 终端 ${spare.t.serialNumber} 没有已保存的数据备份。`);
    expect(await requestTerminalRestore(server.url, ADMIN_TOKEN, spare.terminalId, { sourceTerminalId: faulty.terminalId })).toMatchObject({ state: 'pending', reason: 'manual', backupId: newest.id });

    // The audit chain holds the stored backups and the confirmation.
    const audit = (await api('GET', '/api/v1/audit?limit=200')).items as { action: string; objectId: string | null; outcome: string }[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'terminal_backup.store', objectId: newest.id, outcome: 'success' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'POST /device/v1/restores/:id/result', objectId: confirmed!.id, outcome: 'success' }));
  });

  it('restores its own newest backup onto a terminal reinstalled after a factory reset', async () => {
    const number = serial();
    const before = app(posData('T-0002'));
    const first = await enrolled(number, before.handlers);
    expect(await first.t.restore()).toBeNull(); // a first start with no backup: nothing to restore
    await first.t.backup('weekly');

    // Factory reset: the SDK starts with no saved state and enrols again.
    const after = app({ configuration: {}, settings: {} });
    const code = (await api('POST', '/api/v1/enrolment-codes', { serialNumber: number })).code as string;
    const reinstalled = new PosFleetTerminal({ server: server.url, serialNumber: number, backups: after.handlers, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    expect((await reinstalled.enrol(code)).terminalId).toBe(first.terminalId);
    expect(await reinstalled.restore()).toMatchObject({ reason: 'factory_reset', state: 'confirmed', sourceTerminalId: first.terminalId });
    expect(after.restored).toEqual([expect.objectContaining({ ...posData('T-0002'), reason: 'factory_reset', serialNumber: number, sourceSerialNumber: number })]);
  });

  it('refuses a backup whose bytes do not verify, and one changed at rest is not served', async () => {
    // A byte flipped on the way: the server's SHA-256 of what arrived is not the declared one.
    let flipped = false;
    const tamper: FetchLike = (url, init) => {
      if (!flipped && init.method === 'PUT' && url.endsWith('/chunks/0')) {
        flipped = true;
        const body = JSON.parse(String(init.body)) as { data: string };
        const bytes = Buffer.from(body.data, 'base64');
        bytes[0] = bytes[0]! ^ 0xff;
        return fetch(url, { ...init, body: JSON.stringify({ data: bytes.toString('base64') }) });
      }
      return fetch(url, init);
    };
    const { handlers } = app(posData('T-0003'));
    const x = await enrolled(serial(), handlers, { fetch: tamper });
    const refused = await x.t.backup('manual').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PosFleetError);
    expect(refused).toMatchObject({ status: 400, field: 'sha256', message: expect.stringContaining('backup does not verify') });
    const [record] = (await api('GET', `/api/v1/terminals/${x.terminalId}/backups`)).items;
    expect(record).toMatchObject({ state: 'refused', refusedReason: expect.stringContaining('not the declared') });
    const audit = (await api('GET', '/api/v1/audit?limit=200')).items as { action: string; outcome: string; actorId: string | null }[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'terminal_backup.store', outcome: 'failure', actorId: x.terminalId }));

    // The next backup is clean and stored; its file altered on the server's disk is no longer served.
    const good = await x.t.backup('manual');
    const file = join(dataDir, 'terminal-backups', x.terminalId, `${good.id}.bin`);
    const stored = readFileSync(file);
    stored[stored.length - 1] = stored[stored.length - 1]! ^ 0x01;
    writeFileSync(file, stored);
    const res = await fetch(`${server.url}/api/v1/terminals/${x.terminalId}/backups/${good.id}/download`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(409);
    expect((await api('GET', `/api/v1/terminals/${x.terminalId}/backups?state=corrupt`)).items).toEqual([expect.objectContaining({ id: good.id, state: 'corrupt' })]);
  });

  it('refuses, in the SDK, data holding a card number, and says where', async () => {
    const sent: string[] = [];
    const watch: FetchLike = (url, init) => {
      sent.push(`${init.method} ${new URL(url).pathname}`);
      return fetch(url, init);
    };
    const data = posData('T-0004');
    const { handlers } = app({ ...data, settings: { ...(data.settings as object), pendingOffline: [{ ref: 'OFF-9', note: 'card 4111 1111 1111 1111' }] } });
    const x = await enrolled(serial(), handlers, { fetch: watch });
    const refused = await x.t.backup('manual').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CardDataInBackupError);
    expect((refused as Error).message).toBe('the backup was refused: it holds what looks like a card number at $.settings.pendingOffline[0].note (411111••••••1111); card data must never be backed up');
    expect(sent.filter((s) => s.includes('/backups'))).toEqual([]);
    expect((await api('GET', `/api/v1/terminals/${x.terminalId}/backups`)).items).toEqual([]);
  });

  it('resumes a dropped upload: the server says which chunks it has and only the missing ones are sent', async () => {
    let linkDown = false;
    let dropped3 = false;
    const chunkPuts = new Map<number, number>();
    const link: FetchLike = (url, init) => {
      if (linkDown) return Promise.reject(new TypeError('fetch failed: link down'));
      const m = /\/chunks\/([0-9]+)$/.exec(url);
      if (m && init.method === 'PUT') {
        const i = Number(m[1]);
        chunkPuts.set(i, (chunkPuts.get(i) ?? 0) + 1);
        if (i === 3 && !dropped3) linkDown = dropped3 = true; // the link drops once chunk 3 is on its way: it never arrives
        if (linkDown) return Promise.reject(new TypeError('fetch failed: link down'));
      }
      return fetch(url, init);
    };
    const big = { ...posData('T-0005'), settings: { counters: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`c${i}`, i * 7])) } };
    const { handlers } = app(big);
    const x = await enrolled(serial(), handlers, { fetch: link, attempts: 1 });
    const dropped = await x.t.backup('weekly').catch((error: unknown) => error);
    expect(dropped).toMatchObject({ code: 'network_error' });
    const uploads = readdirSync(join(dataDir, 'terminal-backups', 'uploads'));
    expect(uploads.length).toBeGreaterThan(0);

    linkDown = false;
    const stored = await x.t.backup('weekly');
    expect(stored).toMatchObject({ kind: 'weekly', state: 'stored' });
    const chunks = Math.ceil(stored.sizeBytes / 1024);
    expect(chunks).toBeGreaterThan(4);
    // Chunks 0–2 arrived before the drop and were not sent again; 3 was sent twice; the rest once.
    expect([...chunkPuts.entries()].sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: chunks }, (_, i) => [i, i === 3 ? 2 : 1]));
    expect((await api('GET', `/api/v1/terminals/${x.terminalId}/backups`)).items).toEqual([expect.objectContaining({ id: stored.id, kind: 'weekly', state: 'stored' })]);
  });

  it('backs up weekly by itself at a heartbeat, and before the work of a maintenance job', async () => {
    const { handlers } = app(posData('T-0006'));
    const x = await enrolled(serial(), handlers);
    await x.t.heartbeat(heartbeatContent());
    const list = async () => (await api('GET', `/api/v1/terminals/${x.terminalId}/backups`)).items as { kind: string; maintenanceJobId: string | null; state: string }[];
    await poll(async () => ((await list())[0]?.state === 'stored' ? true : undefined), 30_000, 'the weekly backup');
    expect(await list()).toEqual([expect.objectContaining({ kind: 'weekly', state: 'stored' })]);

    // A maintenance job: the terminal backs up before the job's work, and the job completes (x keeps
    // trading at the site meanwhile, as the continuity rule asks).
    x.t.start(() => heartbeatContent(), { intervalSeconds: 0.2 });
    const performed: string[] = [];
    const m = await enrolled(serial(), handlers, {
      more: { lastWeeklyBackupAt: new Date().toISOString(), maintenance: { perform: async () => void performed.push('work') } },
    });
    const withJob = m.t;
    await withJob.heartbeat(heartbeatContent());
    const [job] = (await api('POST', '/api/v1/maintenance/jobs', { terminalIds: [m.terminalId], work: ['repair'], reason: 'printer', expectedMinutes: 20, maxMinutes: 40 })).items;
    withJob.start(() => heartbeatContent(), { intervalSeconds: 0.2 });
    try {
      await poll(async () => {
        const state = (await api('GET', `/api/v1/maintenance/jobs/${job.id}`)).state;
        return state === 'completed' ? true : undefined;
      }, 30_000, 'the job completed');
    } finally {
      await withJob.close();
      await x.t.stop();
    }
    const backups = (await api('GET', `/api/v1/terminals/${m.terminalId}/backups`)).items as { kind: string; maintenanceJobId: string | null; state: string }[];
    expect(backups).toEqual([expect.objectContaining({ kind: 'pre_maintenance', maintenanceJobId: job.id, state: 'stored' })]);
    expect(performed).toEqual(['work']);
  });
});
