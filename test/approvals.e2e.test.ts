// Four eyes in a real browser (Chromium through playwright-core) on the demo estate: an operator previews
// a campaign that needs a second person (its reach, windows and the approval it needs), starts it and
// sees it held; she cannot approve her own request; a second operator, on a phone in Chinese, approves
// it on the Approvals page, and the campaign runs in both their names. Screenshots go to
// test-artifacts/approvals/.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { signPackage } from '../src/rollouts/package-signature.ts';
import { chromiumMissing, fitsWidth, PHONE, screenshot, useDashboard, WAIT } from './support/browser.ts';

const DESK = { width: 1366, height: 900 };
const OLIVIA = { email: 'olivia@approvals.test', name: 'Olivia' };
const BO = { email: 'bo@approvals.test', name: 'Bo' };

describe.skipIf(chromiumMissing('four-eyes browser tests'))('four eyes in a real browser', () => {
  let packageId = '';
  const { server, adminApi, adminToken: ADMIN_TOKEN, shots: SHOTS, page } = useDashboard({
    name: 'approvals',
    // The demo estate is small: campaigns to more than 5 terminals need a second person here.
    env: { FOUR_EYES: 'campaign,role_change', FOUR_EYES_CAMPAIGN_TERMINALS: '5' },
    users: [{ ...OLIVIA, role: 'operator', locale: 'en' }, { ...BO, role: 'operator', locale: 'zh-CN' }],
  });

  beforeAll(async () => {
    const models = (await adminApi<{ items: { id: string }[] }>('GET', '/terminal-models?limit=100')).items.map((m) => m.id);
    const keys = generateKeyPairSync('ed25519');
    const keyId = (await adminApi<{ id: string }>('POST', '/publisher-keys', { name: 'release team', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() })).id;
    const content = randomBytes(4096);
    const facts = { kind: 'application', name: 'pos-app', version: '9.9.0', size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
    packageId = (await adminApi<{ id: string }>('POST', '/packages', { ...facts, fileName: 'pos-app-9.9.0.apk', signature: signPackage(facts, keys.privateKey), keyId, compatibleModels: models })).id;
    const uploaded = await fetch(`${server.url}/api/v1/packages/${packageId}/content`, {
      method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, body: content,
    });
    expect(uploaded.status).toBe(200);
  }, 120_000);

  it('a campaign that needs a second person is previewed, held, refused to its requester and approved by another operator', async () => {
    const olivia = await page(DESK, 'en-US', OLIVIA.email, `/updates/campaigns/new?package=${packageId}`);
    await olivia.getByRole('button', { name: 'Preview' }).click();
    const preview = olivia.getByTestId('campaign-preview');
    await expect.poll(() => preview.textContent(), { timeout: WAIT }).toMatch(/Reaches \d+ of the \d+ matching terminals/);
    await expect.poll(() => olivia.getByTestId('preview-approval').textContent(), { timeout: WAIT }).toBe('Needs a second person’s approval (more than 5 terminals).');
    await olivia.getByLabel('Reason for the second person').fill('payment fix for every shop');
    await screenshot(olivia, SHOTS, 'start-campaign-preview-en-1366');
    await olivia.getByRole('button', { name: 'Start campaign' }).click();
    await expect.poll(() => olivia.getByTestId('campaign-held').textContent(), { timeout: WAIT }).toContain('Awaiting approval by a second person');
    expect(await fitsWidth(olivia)).toBe(true);

    // Her own request: its state, and no approve button.
    await olivia.getByRole('link', { name: 'Open Approvals' }).click();
    const own = olivia.getByTestId('approval').first();
    await expect.poll(() => own.textContent(), { timeout: WAIT }).toContain('You asked for this: a second person must approve or reject it.');
    expect(await own.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await screenshot(olivia, SHOTS, 'approvals-own-en-1366');

    // Bo, on his phone in Chinese, approves it.
    const bo = await page(PHONE, 'zh-CN', BO.email, '/approvals');
    const card = bo.getByTestId('approval').first();
    await expect.poll(() => card.textContent(), { timeout: WAIT }).toContain('理由：payment fix for every shop');
    expect(await card.textContent()).toContain('等待第二人审批');
    await screenshot(bo, SHOTS, 'approvals-pending-zh-390');
    expect(await fitsWidth(bo)).toBe(true);
    await card.getByRole('button', { name: '批准' }).click();
    await expect.poll(() => bo.getByRole('status').filter({ hasText: '已批准：操作已执行。' }).count(), { timeout: WAIT }).toBe(1);
    await bo.getByRole('link', { name: '查看灰度发布' }).first().click();
    await bo.getByRole('heading', { level: 1 }).waitFor();
    await screenshot(bo, SHOTS, 'campaign-approved-zh-390');

    const campaigns = await adminApi<{ items: { id: string; state: string }[] }>('GET', '/campaigns');
    expect(campaigns.items).toHaveLength(1);
    const started = await adminApi<{ createdBy: string; state: string }>('GET', `/campaigns/${campaigns.items[0]!.id}`);
    expect(started.createdBy).toBe('Olivia (approved by Bo)');

    // Back on the desk in Chinese: the decided request and the campaign's waves.
    const oliviaZh = await page(DESK, 'zh-CN', OLIVIA.email, '/approvals');
    await expect.poll(() => oliviaZh.getByTestId('approval').first().textContent(), { timeout: WAIT }).toContain('已批准');
    await screenshot(oliviaZh, SHOTS, 'approvals-decided-zh-1366');
    await oliviaZh.goto(`${server.url}/updates/campaigns/${campaigns.items[0]!.id}`);
    await oliviaZh.getByTestId('wave-1').waitFor();
    await screenshot(oliviaZh, SHOTS, 'campaign-waves-zh-1366');
    const phoneEn = await page(PHONE, 'en-US', OLIVIA.email, `/updates/campaigns/new?package=${packageId}`);
    await phoneEn.getByRole('button', { name: 'Preview' }).click();
    await phoneEn.getByTestId('campaign-preview').waitFor();
    await screenshot(phoneEn, SHOTS, 'start-campaign-preview-en-390');
    expect(await fitsWidth(phoneEn)).toBe(true);
  }, 180_000);
});
