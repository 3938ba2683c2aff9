// Terminal security in a real browser (Debian's Chromium through playwright-core) against a real server
// on the demo estate: a demo terminal carried 5 km from its site reports its fingerprint, location and
// key slots through the SDK; its page shows where it was seen (outside the geofence), its bound
// fingerprint, its key slots and the missing TPK, in Chinese on a 390 px phone and in English at
// 1366 px, where an operator edits the site's geofence; Settings → Security edits the key policy.
// Screenshots go to test-artifacts/security-pages/.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PosFleetTerminal } from '../src/sdk/index.ts';
import { chromiumMissing, fitsWidth, PHONE, screenshot, useDashboard, WAIT } from './support/browser.ts';
import { heartbeatContent } from './support/server.ts';

const ADMIN = { email: 'admin@security.test', name: 'Sam Security' };
const TEST_TIMEOUT = 120_000;
const SHOP = { lat: 31.2304, lon: 121.4737 };

describe.skipIf(chromiumMissing('security browser tests'))("a terminal's security in a real browser", () => {
  // Four eyes as a fresh installation has it (all).
  const { server, adminApi, shots: SHOTS, page } = useDashboard({ name: 'security-pages', env: { FOUR_EYES: 'all' }, users: [{ ...ADMIN, role: 'admin', locale: 'en' }] });
  let terminal: { id: string; serialNumber: string; siteId: string };

  beforeAll(async () => {
    terminal = (await adminApi<{ items: { id: string; serialNumber: string; siteId: string | null }[] }>('GET', '/terminals?limit=50')).items.find((x) => x.siteId) as typeof terminal;
    await adminApi('PUT', `/sites/${terminal.siteId}/geofence`, { latitude: SHOP.lat, longitude: SHOP.lon, radiusM: 500 });
    const acquirer = server.services.configuration.cache.effectiveOf(terminal.id).values.acquirer;
    await adminApi('PUT', '/security/key-policies', { acquirer: typeof acquirer === 'string' ? acquirer : 'unionpay', keyType: 'TPK' });
    const { code } = await adminApi<{ code: string }>('POST', '/enrolment-codes', { serialNumber: terminal.serialNumber });
    const sdk = new PosFleetTerminal({
      server: server.url, serialNumber: terminal.serialNumber,
      hardware: { serial: terminal.serialNumber, pinPadSerial: 'PP-20931', secureProcessorId: 'SP-7F3A' },
    });
    await sdk.enrol(code);
    await sdk.heartbeat(heartbeatContent({
      location: { gps: { lat: SHOP.lat, lon: SHOP.lon + 0.0525, accuracyM: 25 }, cellId: '460-00-6180-33591', bssid: 'AC:84:C6:12:9E:01' },
      keys: [
        { slot: 0, type: 'TMK', kcv: 'A1B2C3', loadedAt: '2026-03-01T02:00:00.000Z' },
        { slot: 3, type: 'DUKPT', bdkId: 'FFFF9876', ksnPrefix: 'FFFF9876543210', loadedAt: '2026-03-01T02:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z' },
      ],
    }));
    await server.services.securityWatch.flush();
  });

  async function open(viewport: { width: number; height: number }, locale: 'zh-CN' | 'en-US', path = `/terminals/${terminal.id}`): Promise<Page> {
    const p = await page(viewport, locale, ADMIN.email, path);
    return p;
  }

  it('shows location, fingerprint and key slots on a 390 px phone in Chinese', { timeout: TEST_TIMEOUT }, async () => {
    const p = await open(PHONE, 'zh-CN');
    const section = p.getByRole('region', { name: '安全：位置、硬件与密钥' });
    await section.getByText('在地理围栏外').waitFor({ timeout: WAIT });
    await section.getByText('已绑定').waitFor();
    await section.getByText('PP-20931').waitFor();
    await section.getByRole('row').filter({ hasText: 'DUKPT' }).waitFor();
    await section.getByText('缺少 TPK').waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await section.screenshot({ path: join(SHOTS, 'zh-CN-phone-terminal-security.png') });
  });

  it('edits the site\'s geofence at 1366 px in English', { timeout: TEST_TIMEOUT }, async () => {
    const p = await open({ width: 1366, height: 900 }, 'en-US');
    const section = p.getByRole('region', { name: 'Security: location, hardware and keys' });
    await section.getByText('outside the geofence').waitFor({ timeout: WAIT });
    await section.getByText('TPK missing').waitFor();
    await section.getByLabel('Radius (metres)').fill('8000');
    await section.getByRole('button', { name: 'Save geofence' }).click();
    await section.getByText('Geofence saved.').waitFor();
    await section.getByText(/^8000 m around/).waitFor();
    await section.getByText('inside the geofence').waitFor();
    expect((await adminApi<{ geofence: { radiusM: number } }>('GET', `/sites/${terminal.siteId}/geofence`)).geofence.radiusM).toBe(8000);
    expect(await fitsWidth(p)).toBe(true);
    await section.screenshot({ path: join(SHOTS, 'en-desktop-terminal-security.png') });
  });

  it('edits the key policy in Settings at 1366 px in English and shows it on a phone in Chinese', { timeout: TEST_TIMEOUT }, async () => {
    const p = await open({ width: 1366, height: 900 }, 'en-US', '/settings/security');
    await p.getByRole('row').filter({ hasText: 'TPK' }).waitFor({ timeout: WAIT });
    await p.getByLabel('Acquirer').fill('worldpay');
    await p.getByLabel('Type').selectOption('DUKPT');
    await p.getByLabel('BDK id').fill('FFFF1234');
    await p.getByRole('button', { name: 'Require key' }).click();
    await p.getByRole('row').filter({ hasText: 'worldpay' }).filter({ hasText: 'FFFF1234' }).waitFor();
    expect(await fitsWidth(p)).toBe(true);
    await screenshot(p, SHOTS, 'en-desktop-settings-security');
    const zh = await open(PHONE, 'zh-CN', '/settings/security');
    await zh.getByRole('row').filter({ hasText: 'worldpay' }).waitFor({ timeout: WAIT });
    expect(await fitsWidth(zh)).toBe(true);
    await screenshot(zh, SHOTS, 'zh-CN-phone-settings-security');
  });
});
