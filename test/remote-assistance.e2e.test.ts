// Remote assistance walked in a real browser (Debian's Chromium through playwright-core) against a real,
// listening server on the demo estate, with a real terminal client (the SDK) answering: an operator
// opens a paper-out incident, asks for the terminal's logs there, the SDK answers collect_logs with its
// gzip log file at its next heartbeat, and the operator downloads that file from the incident (zh-CN,
// 1366 px); on the terminal page (en, 390 px) a screenshot is asked for and listed, and a message sent to
// the screen shows the staff's acknowledgement once they give it on the terminal; the terminal page in
// zh-CN on a phone says the same. Screenshots go to test-artifacts/remote-assistance/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { PosFleetTerminal, type ScreenMessage } from '../src/sdk/index.ts';
import { chromiumMissing, fitsWidth, PHONE, png, useDashboard } from './support/browser.ts';
import { heartbeatContent, poll } from './support/server.ts';

const DESK = { width: 1366, height: 900 };
const TEST_TIMEOUT = 180_000;
const WAIT_LONG = 30_000;
const OPERATOR_ZH = { email: 'wang@assist.test', name: '王值班' };
const OPERATOR_EN = { email: 'olivia@assist.test', name: 'Olivia Operator' };
const LOG_LINES = Array.from({ length: 400 }, (_, i) => `2026-12-07T02:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z INFO  printer paper sensor=${i % 7 === 0 ? 'out' : 'ok'} line=${i}`);

describe.skipIf(chromiumMissing('remote assistance browser tests'))('remote assistance in the dashboard, answered by a real terminal client', () => {
  const { server, adminApi, page: signedIn, shot, shots: SHOTS } = useDashboard({
    name: 'remote-assistance', users: [{ ...OPERATOR_ZH, role: 'operator', locale: 'zh-CN' }, { ...OPERATOR_EN, role: 'operator', locale: 'en' }],
  });
  let terminal: PosFleetTerminal;
  let terminalId = '';
  const shown: ScreenMessage[] = [];

  /** The terminal's next heartbeat, and whatever it started uploading finished. */
  const heartbeat = async (overrides: Parameters<typeof heartbeatContent>[0] = {}) => {
    await terminal.heartbeat(heartbeatContent(overrides));
    await terminal.assistanceSettled();
  };

  beforeAll(async () => {
    const site = (await adminApi<{ items: { id: string }[] }>('GET', '/sites?limit=1')).items[0]!;
    const model = (await adminApi<{ items: { id: string }[] }>('GET', '/terminal-models?limit=1')).items[0]!;
    // Paper out is the shop's to fix first; this model makes it an operator incident at once.
    await adminApi('PUT', `/terminal-models/${model.id}/diagnostic-thresholds`, { merchantFirst: { paperOutMinutes: 0 } });
    const { code } = await adminApi<{ code: string }>('POST', '/enrolment-codes', { modelId: model.id, siteId: site.id, uses: 1 });
    terminal = new PosFleetTerminal({
      server: server.url, serialNumber: 'ASSIST-0001', locale: 'zh-CN', retry: { baseDelayMs: 5, maxDelayMs: 20, attempts: 1 },
      assistance: { logs: () => LOG_LINES, screenshot: () => png(4, 2, Buffer.alloc(4 * 2 * 3, 200)), chunkSize: 1024 },
      onMessage: (m) => shown.push(m),
    });
    terminalId = (await terminal.enrol(code)).terminalId;
  }, 120_000);

  it('collect_logs asked on the incident is answered by the terminal with its log file, which the operator downloads there (zh-CN, 1366 px)', { timeout: TEST_TIMEOUT }, async () => {
    await heartbeat({ printer: { paper: 'out', jam: false, coverOpen: false } });
    const incident = await poll(async () => (await adminApi<{ items: { id: string; rule: string }[] }>('GET', `/incidents?terminalId=${terminalId}`)).items.find((i) => i.rule === 'printer_paper_out'), WAIT_LONG, 'the paper-out incident');

    const p = await signedIn(DESK, 'zh-CN', OPERATOR_ZH.email, `/incidents?terminalId=${terminalId}`);
    const row = p.locator(`tr[data-incident="${incident.id}"]`);
    await row.getByRole('button', { name: /^日志与截屏/ }).click();
    const files = p.getByRole('region', { name: '日志与截屏' });
    await files.getByText('还没有上传的文件。').waitFor();
    await files.getByRole('button', { name: '日志采集' }).click();
    await files.getByText('已请求日志：终端将在下次心跳时上传。').waitFor();
    await files.getByText('正在等待终端…').waitFor();

    // The terminal's next heartbeat carries the command; the SDK gzips its log and uploads it in chunks.
    await heartbeat();
    const stored = files.locator('tr[data-file]');
    await stored.getByText('已保存').waitFor({ timeout: WAIT_LONG });
    await expect.poll(() => stored.innerText()).toContain(`${OPERATOR_ZH.name} 请求`); // who asked
    expect(await stored.innerText()).toMatch(/日志 · [0-9.]+ KB/); // kind and size
    expect(await fitsWidth(p)).toBe(true);
    await shot(p, 'zh-CN-1366-incident-files');

    const [download] = await Promise.all([p.waitForEvent('download'), stored.getByRole('link', { name: /^下载 ASSIST-0001-logs-.*\.log\.gz$/ }).click()]);
    expect(download.suggestedFilename()).toMatch(/^ASSIST-0001-logs-[0-9]{8}T[0-9]{6}Z\.log\.gz$/);
    const text = gunzipSync(readFileSync((await download.path())!)).toString('utf8');
    expect(text.split('\n').filter(Boolean)).toEqual(LOG_LINES);
    const audit = await adminApi<{ items: { action: string; actorName: string | null }[] }>('GET', '/audit?limit=50');
    expect(audit.items.find((e) => e.action === 'terminal_file.download')).toMatchObject({ actorName: OPERATOR_ZH.name });
  });

  it('on the terminal page: a screenshot is asked for and listed, and a message on the screen shows the staff\'s acknowledgement (en, 390 px; zh-CN, 390 px)', { timeout: TEST_TIMEOUT }, async () => {
    const p = await signedIn(PHONE, 'en-US', OPERATOR_EN.email, `/terminals/${terminalId}`);
    const assistance = p.getByRole('region', { name: 'Remote assistance' });
    await assistance.locator('tr[data-file]').first().getByText('Logs').waitFor(); // the file asked for the incident
    await assistance.getByRole('button', { name: 'Take a screenshot' }).click();
    await assistance.getByText('Screenshot asked for: the terminal uploads it at its next heartbeat.').waitFor();
    await heartbeat();
    await assistance.locator('tr[data-file]', { hasText: 'Screenshot' }).getByText('stored').waitFor({ timeout: WAIT_LONG });
    expect((await assistance.getByRole('button', { name: 'Take a screenshot' }).boundingBox())!.height).toBeGreaterThanOrEqual(44);

    const messages = p.getByRole('region', { name: 'Message to the screen' });
    await messages.getByLabel('Message').fill('Please put in a new paper roll, then press OK.');
    await messages.getByRole('button', { name: 'Send to the screen' }).click();
    await messages.getByText('Sent: the terminal shows it at its next heartbeat.').waitFor();
    await messages.getByText('waiting for the terminal').waitFor();
    await heartbeat();
    await poll(async () => shown.length > 0 || undefined, WAIT_LONG, 'the message on the terminal\'s screen');
    expect(shown[0]!.text).toBe('Please put in a new paper roll, then press OK.');
    await messages.getByText('on the screen, not acknowledged yet').waitFor({ timeout: WAIT_LONG });
    await terminal.acknowledgeMessage(shown[0]!.id, 'Cashier Li');
    await messages.getByText(/acknowledged by Cashier Li at /).waitFor({ timeout: WAIT_LONG });
    expect(await fitsWidth(p)).toBe(true);
    await shot(p, 'en-390-terminal');
    await assistance.screenshot({ path: join(SHOTS, 'en-390-files.png') });
    await messages.screenshot({ path: join(SHOTS, 'en-390-message.png') });

    const zh = await signedIn(PHONE, 'zh-CN', OPERATOR_ZH.email, `/terminals/${terminalId}`);
    const zhMessages = zh.getByRole('region', { name: '发送消息到终端屏幕' });
    await zhMessages.getByText(/Cashier Li 于 .* 确认/).waitFor();
    await zh.getByRole('region', { name: '远程协助' }).locator('tr[data-file]', { hasText: '截屏' }).waitFor();
    expect(await fitsWidth(zh)).toBe(true);
    await shot(zh, 'zh-CN-390-terminal');
  });
});
