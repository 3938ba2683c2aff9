// The dashboard's Updates pages in a real browser (Debian's Chromium through playwright-core) against a
// real, listening server: an estate of enrolled terminals with a maintenance window, a publisher key, and
// signed packages declared and uploaded through the API. In the browser an operator reads the packages
// and the fleet's versions, starts a campaign through the form (whose first, bad filter is refused beside
// the field), watches its waves move as terminals download and install over the terminal protocol —
// without reloading — pauses and resumes it, sees a halt on failed installs and, on a second campaign, a
// halt on worse payments with its figures, and rolls that one back. Every Updates page is photographed in
// en and zh-CN, at desktop width and at 390 px, into test-artifacts/dashboard-updates/.
//
// Installs happen inside maintenance windows (here two hours every three hours), and a campaign plans each
// one at a random time inside the next window that fits. The server runs on a clock the test moves
// forward: to the moment a planned install starts, instead of waiting for it, and — before anything that
// plans installs (starting, resuming, a wave passing) — out of the windows, so that every install is
// planned ahead and the terminal downloads before its job starts. The browser keeps its own clock.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { signPackage } from '../src/rollouts/package-signature.ts';
import type { Services } from '../src/services.ts';
import { heartbeatReport } from './support/app.ts';
import {
  chromiumMissing, deviceCall, fitsWidth as fits, PHONE, screenshot, sha256, SIGN_IN, signIn as submitSignIn, type SignInLabels, useDashboard, WAIT,
} from './support/browser.ts';

const OPERATOR = { email: 'operator@updates.test', name: 'Olivia Operator' };
const TEST_TIMEOUT = 180_000;
const ZONE = 'Asia/Shanghai';
const MINUTE = 60_000;
/** The maintenance window: from 00:00, 03:00, 06:00 … Shanghai time, for two hours. */
const CYCLE = 180 * MINUTE;
const WINDOW = { kind: 'cron', cron: '0 */3 * * *', durationMinutes: 120 } as const;
const SHANGHAI_OFFSET = 8 * 60 * MINUTE;

interface Term {
  id: string;
  serialNumber: string;
  siteId: string;
  credential: string;
  seq: number;
  appVersion: string;
  uptime: number;
  /** Actions whose package this terminal downloaded, and those it installed (or failed to). */
  downloaded: Set<number>;
  installed: Set<number>;
}
interface Hint { actionId: number; state: string; installAllowed: boolean }
interface Answer { mode: string; maintenance: { jobId: string; state: string } | null; deployment: Hint | null }
interface Deployment { actionId: number; state: string; installAllowed: boolean; maintenanceJobId: string | null; package: { id: string; version: string; sha256: string; downloadUrl: string } }
interface Action { id: number; terminalId: string; serialNumber: string; wave: number; state: string; maintenanceJobId: string | null; finishedAt: string | null }
interface Campaign {
  id: string; name: string; state: string; currentWave: number; rollbackOf: string | null; filter: Record<string, string>;
  package: { id: string; version: string }; settings: { waves: number[]; maxFailureRate: number; observeMinutes: number };
  halt: null | { wave: number; reason: string; figures: unknown }; excluded: Record<string, number>;
  waves: { wave: number; state: string; actions: Record<string, number> }[];
}

describe.skipIf(chromiumMissing('dashboard Updates tests'))('dashboard Updates pages in a real browser', () => {
  /** How far the server's clock is ahead of the real one. */
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const { server, adminApi, adminToken: ADMIN_TOKEN, shots: SHOTS, context, newPage } = useDashboard({
    name: 'dashboard-updates', estate: 'empty', clock,
    users: [{ email: OPERATOR.email, name: OPERATOR.name, role: 'operator', locale: 'en' }],
    env: {
      FOUR_EYES: 'all',
      // Ticks every second, so the campaign moves on while the browser watches; terminals stay online
      // across the clock's jumps; the diagnostic rules would only add incidents for the failing card reads.
      MAINTENANCE_TICK_SECONDS: '1', ROLLOUT_TICK_SECONDS: '1', HEARTBEAT_INTERVAL_SECONDS: '300', OFFLINE_AFTER_MISSED_HEARTBEATS: '1000',
      SESSION_HOURS: '240', DIAGNOSTIC_RULES: 'off',
    },
  });
  let url: string;
  let services: Services;
  let desk: BrowserContext;
  let page: Page;

  const terms = new Map<string, Term>();
  const siteA: string[] = ['CG-A-01', 'CG-A-02', 'CG-A-03', 'CG-A-04'];
  const siteB: string[] = ['CG-B-01', 'CG-B-02', 'CG-B-03', 'CG-B-04'];
  const OTHER_MODEL = 'CG-A-09';
  let sites: { a: string; b: string };
  let packageIds: { current: string; previous: string; params: string };
  let first: Campaign;
  let second: Campaign;
  let rollback: Campaign;
  /** Enrols a terminal over the terminal protocol (set up in beforeAll). */
  let enrol: (serialNumber: string, siteId: string, modelId: string, appVersion: string) => Promise<void>;
  let paxModel: string;
  /** A campaign to a shop with no maintenance window: its terminal's install is skipped. */
  let windowless: Campaign;

  // ---- the operator API (adminApi, with the bootstrap admin token): what the browser did, read back independently
  const campaign = (id: string) => adminApi<Campaign>('GET', `/campaigns/${id}`);
  const actions = async (id: string, q = '') => (await adminApi<{ items: Action[] }>('GET', `/campaigns/${id}/actions?limit=100${q}`)).items;
  const jobOf = (jobId: string) => adminApi<{ state: string; plannedStart: string }>('GET', `/maintenance/jobs/${jobId}`);

  // ---- the terminal protocol
  const device = <T>(method: 'GET' | 'POST', path: string, credential: string, body?: unknown) => deviceCall<T>(url, method, path, credential, body);

  /** A heartbeat on the server's clock; `cardFailures` makes the card reader fail half its reads. */
  async function beat(t: Term, options: { cardFailures?: boolean } = {}): Promise<Answer> {
    t.uptime += 60;
    return device<Answer>('POST', '/heartbeat', t.credential, heartbeatReport(t.seq++, {
      sentAt: clock().toISOString(), appVersion: t.appVersion, uptimeSeconds: t.uptime,
      ...(options.cardFailures && { cardReader: { chip: { attempts: 10, failures: 6 }, contactless: { attempts: 5, failures: 2 } } }),
    }));
  }
  const beatAll = async () => { for (const t of terms.values()) await beat(t); };

  /**
   * What a terminal's software does with a heartbeat answer: downloads an offered package ahead of the
   * window (checking its SHA-256) and, once its maintenance job has it out of service, installs it
   * through the job's steps — or fails to, and rolls back.
   */
  async function act(t: Term, options: { fail?: boolean } = {}): Promise<Answer> {
    const answer = await beat(t);
    const hint = answer.deployment;
    if (!hint || t.installed.has(hint.actionId)) return answer;
    const deployment = await device<Deployment>('GET', `/deployments/${hint.actionId}`, t.credential);
    const feedback = (status: string, details?: string[]) =>
      device('POST', `/deployments/${hint.actionId}/feedback`, t.credential, { reportId: `${hint.actionId}-${status}`, status, ...(details && { details }) });
    if (!t.downloaded.has(hint.actionId)) {
      await feedback('downloading');
      const res = await fetch(`${url}${deployment.package.downloadUrl}`, { headers: { authorization: `Bearer ${t.credential}` } });
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(deployment.package.sha256);
      await feedback('downloaded');
      t.downloaded.add(hint.actionId);
    }
    if (!hint.installAllowed) return answer;
    const jobId = deployment.maintenanceJobId!;
    const step = (body: Record<string, unknown>) => device('POST', `/maintenance/${jobId}/steps`, t.credential, body);
    t.installed.add(hint.actionId);
    await step({ state: 'in_maintenance' });
    await feedback('installing');
    if (options.fail) {
      await feedback('failed', ['install script exited with 1']);
      await step({ state: 'failed', note: 'install script exited with 1' });
      await step({ state: 'rolled_back' });
      return answer;
    }
    await feedback('installed');
    t.appVersion = deployment.package.version;
    await step({ state: 'restarting' });
    await beat(t);
    await step({ state: 'verifying', selfTests: [{ name: 'printer', passed: true }, { name: 'card reader', passed: true }] });
    return answer;
  }

  /** Moves the server's clock forward; every terminal heartbeats then, so none looks offline. */
  async function advance(ms: number) {
    offsetMs += ms;
    await beatAll();
  }

  /**
   * Moves the server's clock out of the maintenance windows (150 minutes into a cycle, a window having
   * closed at 120): what is planned now goes into the next window, ahead of now.
   */
  async function outOfWindow() {
    const into = (clock().getTime() + SHANGHAI_OFFSET) % CYCLE;
    if (into >= 125 * MINUTE && into <= 160 * MINUTE) return;
    await advance((150 * MINUTE - into + CYCLE) % CYCLE);
  }

  /** Moves the server's clock to the install's planned start and waits until its job has the terminal out of service. */
  async function reachStart(action: Action) {
    const job = await jobOf(action.maintenanceJobId!);
    await advance(Math.max(0, Date.parse(job.plannedStart) - clock().getTime() + 1000));
    await expect.poll(async () => (await jobOf(action.maintenanceJobId!)).state, { timeout: WAIT }).toBe('draining');
  }

  /** Of the wave's planned installs, the one that starts first (once the campaign planned them). */
  async function nextPlanned(campaignId: string, wave: number): Promise<Action> {
    let planned: Action[] = [];
    await expect.poll(async () => {
      planned = (await actions(campaignId, `&wave=${wave}`)).filter((a) => ['scheduled', 'downloading', 'downloaded'].includes(a.state) && a.maintenanceJobId);
      return planned.length > 0;
    }, { timeout: WAIT }).toBe(true);
    const starts = await Promise.all(planned.map(async (a) => Date.parse((await jobOf(a.maintenanceJobId!)).plannedStart)));
    const first = starts.indexOf(Math.min(...starts));
    expect(starts[first]).toBeGreaterThan(clock().getTime()); // planned ahead: the terminal downloads first
    return planned[first]!;
  }
  const terminalOf = (action: Action) => [...terms.values()].find((x) => x.id === action.terminalId)!;

  const shot = (name: string, p: Page = page) => screenshot(p, SHOTS, name);

  async function signIn(p: Page, labels: SignInLabels) {
    await submitSignIn(p, url, OPERATOR.email, labels);
    await p.getByRole('navigation', { name: /^(Main|主导航)$/ }).waitFor();
  }
  const { en: EN, zh: ZH } = SIGN_IN;

  beforeAll(async () => {
    url = server.url;
    services = server.services;

    // ---- the estate: two shops of a coffee chain, four PAX terminals each, and one Verifone the package is not for
    const components = { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi' as const] };
    const pax = await services.estate.createModel({ code: 'PAX-A920', vendor: 'PAX', model: 'A920', components });
    const verifone = await services.estate.createModel({ code: 'VF-V200C', vendor: 'Verifone', model: 'V200c', components });
    const merchant = await services.estate.createMerchant({ name: '晨光咖啡', timeZone: ZONE, locale: 'zh-CN' });
    const a = await services.estate.createSite({ merchantId: merchant.id, code: 'CG-01', name: '人民广场店' });
    const b = await services.estate.createSite({ merchantId: merchant.id, code: 'CG-02', name: '静安寺店' });
    sites = { a: a.id, b: b.id };
    paxModel = pax.id;
    enrol = async (serialNumber: string, siteId: string, modelId: string, appVersion: string) => {
      const created = await services.estate.createTerminal({ serialNumber, modelId, siteId, tags: [], appVersion, firmwareVersion: 'fw-1', networkType: 'wifi' });
      const { code } = await services.device.createEnrolmentCode({ serialNumber }, 'dashboard updates test');
      const { credential } = await deviceCall<{ credential: string }>(url, 'POST', '/enrol', undefined, { serialNumber, code });
      const t: Term = { id: created.id, serialNumber, siteId, credential, seq: 1, appVersion, uptime: 3600, downloaded: new Set(), installed: new Set() };
      terms.set(serialNumber, t);
      await beat(t);
    };
    for (const serial of siteA) await enrol(serial, a.id, pax.id, '3.2.0');
    await enrol(OTHER_MODEL, a.id, verifone.id, '3.2.0');
    for (const serial of siteB) await enrol(serial, b.id, pax.id, '3.2.0');
    await adminApi('POST', '/maintenance/windows', { name: '更新窗口', target: { merchantId: merchant.id }, schedule: WINDOW });

    // ---- a publisher key, and signed packages declared and uploaded through the API
    const publisher = generateKeyPairSync('ed25519');
    const key = await adminApi<{ id: string }>('POST', '/publisher-keys', { name: 'Release team', publicKey: publisher.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const publish = async (input: { kind?: string; name: string; version: string; securityPatch?: boolean; upload?: boolean; notes?: { 'zh-CN': string; en: string } }) => {
      const content = randomBytes(4096);
      const facts = { kind: input.kind ?? 'application', name: input.name, version: input.version, size: content.length, sha256: sha256(content) };
      const declared = await adminApi<{ id: string }>('POST', '/packages', {
        ...facts, fileName: `${input.name}-${input.version}.apk`, signature: signPackage(facts, publisher.privateKey), keyId: key.id,
        compatibleModels: [pax.id], securityPatch: input.securityPatch ?? false, ...(input.notes && { releaseNotes: input.notes }),
      });
      if (input.upload !== false) {
        const res = await fetch(`${url}/api/v1/packages/${declared.id}/content`, {
          method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, body: content,
        });
        if (!res.ok) throw new Error(`PUT content of ${input.name} ${input.version}: ${res.status} ${await res.text()}`);
      }
      return declared.id;
    };
    packageIds = {
      previous: await publish({ name: 'pos-app', version: '3.2.0' }),
      current: await publish({
        name: 'pos-app', version: '3.3.0', securityPatch: true,
        notes: { 'zh-CN': '修复非接读卡超时；更新 TLS 证书。', en: 'Fixes contactless read timeouts; renews TLS certificates.' },
      }),
      params: await publish({ kind: 'parameters', name: 'tip-settings', version: '1.0.0', upload: false }),
    };

    desk = await context({ viewport: { width: 1280, height: 860 }, locale: 'en-US', timezoneId: ZONE });
    page = await newPage(desk);
  });

  it('lists the packages with their signature and readiness, and the fleet\'s versions', { timeout: TEST_TIMEOUT }, async () => {
    await signIn(page, EN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Updates' }).click();
    await page.getByRole('heading', { name: 'Updates', level: 1 }).waitFor();
    await page.getByText('No campaigns yet.').waitFor();

    const packages = page.getByRole('table', { name: 'Packages' });
    const current = packages.getByRole('row').filter({ has: page.getByRole('link', { name: 'pos-app 3.3.0', exact: true }) });
    for (const text of ['Application', 'Security patch', 'Ready', 'Release team']) await current.getByText(text, { exact: true }).waitFor();
    const params = packages.getByRole('row').filter({ has: page.getByRole('link', { name: 'tip-settings 1.0.0', exact: true }) });
    await params.getByText('Waiting for its content', { exact: true }).waitFor();
    await params.getByText('Parameters', { exact: true }).waitFor();
    // Only a ready package offers a campaign.
    expect(await params.getByRole('link', { name: /Start a campaign/ }).count()).toBe(0);

    // Eight PAX terminals on 3.2.0, one Verifone; none yet on the 3.3.0 security patch.
    const versions = page.getByRole('img', { name: /^App versions per terminal model:/ });
    await expect.poll(() => versions.getAttribute('aria-label'), { timeout: WAIT }).toMatch(/PAX A920: 3\.2\.0 8(;|$)/);
    expect(await versions.getAttribute('aria-label')).toMatch(/Verifone V200c: 3\.2\.0 1(;|$)/);
    await expect.poll(() => page.getByTestId('security-share-pos-app').textContent(), { timeout: WAIT }).toContain('0 of 8 terminals (0%)');
    await page.getByRole('heading', { name: 'Stuck installs' }).waitFor();
    await shot('en-updates-before');

    await current.getByRole('link', { name: 'pos-app 3.3.0', exact: true }).click();
    await page.getByRole('heading', { name: 'Package pos-app 3.3.0' }).waitFor();
    await page.getByText('Fixes contactless read timeouts; renews TLS certificates.').waitFor();
    await page.getByText('PAX A920', { exact: true }).waitFor();
    await shot('en-package');
  });

  it('starts a campaign through the form, the server\'s objections shown beside the fields first', { timeout: TEST_TIMEOUT }, async () => {
    await page.getByRole('link', { name: 'Start a campaign with this package' }).click();
    await page.getByRole('heading', { name: 'Start a campaign', level: 1 }).waitFor();
    // The package comes chosen, and names the campaign until the person types a name.
    await expect.poll(() => page.getByLabel('Campaign name').inputValue(), { timeout: WAIT }).toBe('pos-app 3.3.0');
    await page.getByLabel('Campaign name').fill('pos-app 3.3.0 for 人民广场店');
    const filter = page.getByRole('group', { name: 'Which terminals' });

    // A tag no terminal carries: the filter matches nothing, said at the filter.
    await filter.getByLabel('Tag', { exact: true }).fill('nowhere');
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await filter.getByText('The filter matches no terminal.', { exact: true }).waitFor();
    expect(await filter.getAttribute('aria-describedby')).toMatch(/-error$/);
    await shot('en-start-campaign-error');

    // A model the package is not for: said beside the model, by name.
    await filter.getByLabel('Tag', { exact: true }).fill('');
    await filter.getByLabel('Terminal model').selectOption({ label: 'Verifone V200c (not for this package)' });
    await page.getByRole('button', { name: 'Start campaign' }).click();
    const model = filter.getByLabel('Terminal model');
    await expect.poll(() => model.getAttribute('aria-invalid'), { timeout: WAIT }).toBe('true');
    await filter.getByText(/^Package pos-app 3\.3\.0 is not for terminal model Verifone V200c \(it is for PAX A920\)\.$/).waitFor();
    expect(await filter.getByText('The filter matches no terminal.', { exact: true }).count()).toBe(0);

    await model.selectOption({ label: 'Any model' });
    await filter.getByLabel('Site').selectOption({ label: '人民广场店 (CG-01)' });
    await page.getByLabel('Watch payments for (minutes)').fill('5');
    expect(await page.getByLabel('Waves (cumulative %)').inputValue()).toBe('1, 10, 50, 100');
    await outOfWindow();
    await page.getByRole('button', { name: 'Start campaign' }).click();

    await page.getByRole('heading', { name: 'Campaign: pos-app 3.3.0 for 人民广场店' }).waitFor();
    const id = /\/updates\/campaigns\/([\w-]+)$/.exec(page.url())?.[1];
    expect(id).toBeTruthy();
    first = await campaign(id!);
    expect(first).toMatchObject({
      state: 'running', filter: { siteId: sites.a }, package: { id: packageIds.current },
      settings: { waves: [1, 10, 50, 100], maxFailureRate: 0.1, observeMinutes: 5 }, excluded: { incompatible_model: 1 },
    });
    // Four PAX terminals in four waves of one; the Verifone is left out, and the page says why.
    expect(first.waves.map((w) => (w.actions.queued ?? 0) + (w.actions.scheduled ?? 0))).toEqual([1, 1, 1, 1]);
    await page.getByTestId('campaign-status').getByText('Running', { exact: true }).waitFor();
    await page.getByTestId('campaign-status').getByText('Wave 1 of 4', { exact: true }).waitFor();
    const wave1 = page.getByTestId('wave-1');
    await wave1.getByText('Installing', { exact: true }).waitFor();
    await wave1.getByText('In progress: 1', { exact: true }).waitFor();
    await page.getByTestId('wave-4').getByText('Queued: 1', { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Terminals left out' }).getByRole('row').filter({ hasText: 'The package is not for their terminal model' }).getByText('1', { exact: true }).waitFor();
    await shot('en-campaign-started');
  });

  it('shows a wave\'s progress change as its terminal downloads and installs, without reloading', { timeout: TEST_TIMEOUT }, async () => {
    await page.evaluate('window.notReloaded = true');
    const action = await nextPlanned(first.id, 1);
    const t = terminalOf(action);
    const table = page.getByRole('table', { name: 'Terminals and their installs' });
    const row = table.getByRole('row').filter({ hasText: t.serialNumber });
    await row.getByText('Scheduled', { exact: true }).waitFor();

    // Ahead of its window, the terminal downloads the package.
    await act(t);
    await row.getByText('Downloaded', { exact: true }).waitFor();
    await page.getByTestId('wave-1').getByText('In progress: 1', { exact: true }).waitFor();

    // Inside it, its maintenance job takes it out of service and it installs.
    await reachStart(action);
    await act(t);
    expect(t.appVersion).toBe('3.3.0');
    const wave1 = page.getByTestId('wave-1');
    await wave1.getByText('Succeeded: 1', { exact: true }).waitFor();
    await wave1.getByText('Watching payments', { exact: true }).waitFor();
    await page.getByTestId('wave-2').getByText('Not started', { exact: true }).waitFor();
    await shot('en-campaign-observing');
    // Five minutes later the wave passes (one terminal is too few to judge payments) and the next starts.
    await outOfWindow();
    await wave1.getByText('Passed', { exact: true }).waitFor();
    await page.getByTestId('wave-2').getByText('Installing', { exact: true }).waitFor();
    // The figures open on a click and stay open while live updates draw the wave afresh. (The wave may be
    // judged before or after the terminal's first heartbeat at the moved clock arrives: 0 or 1 reported.)
    await wave1.getByText('Figures', { exact: true }).click();
    const notJudged = wave1.getByText(/^Payments were not judged: only [01] updated terminal\(s\) reported; at least \d+ are needed/);
    await notJudged.waitFor();
    await page.getByTestId('campaign-status').getByText('Wave 2 of 4', { exact: true }).waitFor();
    await row.getByText('Succeeded', { exact: true }).waitFor();
    expect(await page.evaluate('window.notReloaded')).toBe(true);

    // Everything the terminal reported, in order.
    await row.getByRole('button', { name: `Feedback from ${t.serialNumber}` }).click();
    const history = page.getByRole('region', { name: `Feedback from ${t.serialNumber}` });
    await expect.poll(() => history.getByRole('listitem').count(), { timeout: WAIT }).toBe(4);
    for (const [i, status] of ['Downloading', 'Downloaded', 'Installing', 'Installed'].entries()) {
      await history.getByRole('listitem').nth(i).getByText(status, { exact: true }).waitFor();
    }
    await history.getByText('installing → installed').waitFor();
    // Live updates redrew the wave meanwhile: its figures are still open.
    expect(await notJudged.isVisible()).toBe(true);
    await shot('en-campaign-progress');
  });

  it('pauses and resumes after confirming, and shows a halt on failed installs with its figures', { timeout: TEST_TIMEOUT }, async () => {
    const status = page.getByTestId('campaign-status');
    await page.evaluate('window.notReloaded = true');
    const planned = await nextPlanned(first.id, 2);

    await page.getByRole('group', { name: 'Change the campaign' }).getByRole('button', { name: 'Pause' }).click();
    const pause = page.getByRole('dialog', { name: 'Pause the campaign?' });
    await pause.getByText(/No new installs start/).waitFor();
    await pause.getByLabel('Note (optional)').fill('Waiting for the chain\'s go-ahead');
    await shot('en-campaign-pause-dialog');
    await pause.getByRole('button', { name: 'Pause' }).click();
    await page.getByText('The campaign is paused.').waitFor();
    await status.getByText('Paused', { exact: true }).waitFor();
    expect((await campaign(first.id)).state).toBe('paused');
    // The waiting install was withdrawn: its terminal is queued again, its maintenance job aborted.
    expect((await actions(first.id, '&wave=2'))[0]).toMatchObject({ id: planned.id, state: 'queued', maintenanceJobId: null });
    expect((await jobOf(planned.maintenanceJobId!)).state).toBe('aborted');

    await outOfWindow();
    await page.getByRole('button', { name: 'Resume' }).click();
    const resume = page.getByRole('dialog', { name: 'Resume the campaign?' });
    await resume.getByText(/planned again inside the terminals' maintenance windows/).waitFor();
    await resume.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('The campaign is running again.').waitFor();
    await status.getByText('Running', { exact: true }).waitFor();

    // Planned again; this terminal's install fails: one of one is more than the 10 % allowed.
    const again = await nextPlanned(first.id, 2);
    const t = terminalOf(again);
    await act(t);
    await reachStart(again);
    await act(t, { fail: true });
    const halt = page.getByRole('region', { name: 'Halted at wave 2' });
    await halt.waitFor();
    await status.getByText('Halted', { exact: true }).waitFor();
    await halt.getByText('Too many installs failed: 100% of the wave, more than the allowed 10%.').waitFor();
    await halt.getByText('Failed: 1', { exact: true }).waitFor();
    await halt.getByText(/1 of 1 installs in wave 2 failed/).waitFor();
    expect(await page.getByText('The campaign is running again.').count()).toBe(0); // said when it resumed, not now
    await page.getByTestId('wave-2').getByText('Failed', { exact: true }).waitFor();
    const row = page.getByRole('table', { name: 'Terminals and their installs' }).getByRole('row').filter({ hasText: t.serialNumber });
    await row.getByText('Failed', { exact: true }).waitFor();
    await row.getByRole('button', { name: `Feedback from ${t.serialNumber}` }).click();
    await page.getByRole('region', { name: `Feedback from ${t.serialNumber}` }).getByText('install script exited with 1').waitFor();
    expect((await campaign(first.id)).halt).toMatchObject({ wave: 2, figures: { failureRate: 1 } });
    await shot('en-campaign-halted-installs');

    // Resuming with a raised failure rate accepts the failure: the wave passes and the next one starts.
    await outOfWindow();
    await page.getByRole('button', { name: 'Resume' }).click();
    const accept = page.getByRole('dialog', { name: 'Resume the campaign?' });
    await accept.getByText(/raise the max failure rate/).waitFor();
    await accept.getByText('Now 10%.').waitFor();
    await accept.getByLabel('New max failure rate (%, optional)').fill('100');
    await accept.getByRole('button', { name: 'Resume' }).click();
    await status.getByText('Running', { exact: true }).waitFor();
    await expect.poll(() => page.getByRole('region', { name: /^Halted at wave/ }).count(), { timeout: WAIT }).toBe(0);
    await page.getByTestId('wave-2').getByText('Watching payments', { exact: true }).waitFor();
    await advance(6 * MINUTE);
    await page.getByTestId('wave-2').getByText('Passed', { exact: true }).waitFor();
    await page.getByTestId('wave-3').getByText('Installing', { exact: true }).waitFor();
    const resumed = await campaign(first.id);
    expect(resumed).toMatchObject({ state: 'running', currentWave: 3, halt: null, settings: { maxFailureRate: 1 } });
    expect(await page.evaluate('window.notReloaded')).toBe(true);

    // Paused again, so that nothing of it moves while the next campaign runs.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('dialog', { name: 'Pause the campaign?' }).getByRole('button', { name: 'Pause' }).click();
    await status.getByText('Paused', { exact: true }).waitFor();
    await shot('en-campaign-paused');
  });

  it('shows a halt on worse payments with its figures, and rolls the campaign back', { timeout: TEST_TIMEOUT }, async () => {
    // Three of 静安寺店's four terminals in the first wave, payments watched for 30 minutes after it.
    await outOfWindow();
    second = await adminApi<Campaign>('POST', '/campaigns', {
      name: 'pos-app 3.3.0 for 静安寺店', packageId: packageIds.current, filter: { siteId: sites.b }, waves: [75, 100], observeMinutes: 30,
    });
    for (let i = 0; i < 3; i++) {
      const action = await nextPlanned(second.id, 1);
      const t = terminalOf(action);
      await act(t);
      await reachStart(action);
      await act(t);
      await expect.poll(async () => (await actions(second.id, '&wave=1')).find((a) => a.id === action.id)?.state, { timeout: WAIT }).toBe('succeeded');
    }
    await expect.poll(async () => (await campaign(second.id)).waves[0]!.state, { timeout: WAIT }).toBe('observing');

    // After the update the card readers fail half their reads; the terminals still on 3.2.0 read fine.
    const updated = new Set((await actions(second.id, '&wave=1')).map((a) => a.terminalId));
    for (let round = 0; round < 3; round++) {
      for (const t of terms.values()) if (t.serialNumber !== OTHER_MODEL) await beat(t, { cardFailures: updated.has(t.id) });
      offsetMs += 11 * MINUTE;
    }
    await expect.poll(async () => (await campaign(second.id)).state, { timeout: WAIT }).toBe('halted');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Updates' }).click();
    await page.getByRole('table', { name: 'Campaigns' }).getByRole('link', { name: 'pos-app 3.3.0 for 静安寺店' }).click();
    const halt = page.getByRole('region', { name: 'Halted at wave 1' });
    await halt.getByText(/Payments got worse on the updated terminals/).waitFor();
    const figures = halt.getByRole('table', { name: 'The figures that halted it' });
    const cardReads = figures.getByRole('row').filter({ hasText: 'Card-read failure rate' });
    // The server's figures, as the page formats them: a share with two decimals, the difference in points.
    type Metric = { metric: string; updated: number; comparison: number; difference: number; z: number; worse: boolean };
    const { halt: stopped } = await campaign(second.id);
    expect(stopped).toMatchObject({ wave: 1, reason: expect.stringContaining('payments got worse') });
    const card = (stopped!.figures as { metrics: Metric[] }).metrics.find((m) => m.metric === 'card_read_failure_rate')!;
    expect(card).toMatchObject({ comparison: 0, worse: true });
    expect(card.updated).toBeGreaterThan(0.3);
    const pct = (x: number) => new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 2 }).format(x);
    await cardReads.getByText(pct(card.updated), { exact: true }).waitFor();
    await cardReads.getByText('0%', { exact: true }).waitFor();
    await cardReads.getByText(`+${new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(card.difference * 100)} pts`, { exact: true }).waitFor();
    await cardReads.getByText(new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(card.z), { exact: true }).waitFor();
    await cardReads.getByText('Yes', { exact: true }).waitFor();
    await figures.getByRole('row').filter({ hasText: 'Failed or refused transactions' }).getByText('No', { exact: true }).waitFor();
    await figures.getByRole('row').filter({ hasText: 'Reboots per terminal-hour' }).waitFor();
    await shot('en-campaign-halted-payments');

    await page.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back the campaign?' });
    await dialog.getByText(/re-installs its previous version/).waitFor();
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('heading', { name: 'Campaign: Roll back pos-app 3.3.0 for 静安寺店' }).waitFor();
    await page.getByRole('link', { name: 'pos-app 3.2.0' }).waitFor();
    const id = /\/updates\/campaigns\/([\w-]+)$/.exec(page.url())![1]!;
    rollback = await campaign(id);
    expect(rollback).toMatchObject({ rollbackOf: second.id, package: { id: packageIds.previous }, state: 'running' });
    expect((await campaign(second.id)).state).toBe('cancelled');
    await page.getByRole('link', { name: 'Open the campaign' }).waitFor();
    await shot('en-campaign-rollback');
  });

  it('lists the campaigns in progress on the overview, linking to them', { timeout: TEST_TIMEOUT }, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet overview' }).click();
    const card = page.getByRole('region', { name: 'Campaigns in progress' });
    const item = (name: string) => card.getByRole('listitem').filter({ has: page.getByRole('link', { name, exact: true }) });
    await item('pos-app 3.3.0 for 人民广场店').getByText('Paused', { exact: true }).waitFor();
    await item('pos-app 3.3.0 for 人民广场店').getByText(/Wave 3 of 4/).waitFor();
    await item('Roll back pos-app 3.3.0 for 静安寺店').getByText('Running', { exact: true }).waitFor();
    expect(await card.getByRole('link', { name: 'pos-app 3.3.0 for 静安寺店', exact: true }).count()).toBe(0); // cancelled by the rollback
    await shot('en-overview');

    // Someone flashes the Verifone by hand: no campaign installed that.
    const flashed = terms.get(OTHER_MODEL)!;
    flashed.appVersion = '3.2.1';
    await beat(flashed);
    // The fleet view now counts the security patch on the four updated terminals.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Updates' }).click();
    await page.getByRole('table', { name: 'Installed outside PosFleet' }).getByRole('row').filter({ hasText: OTHER_MODEL }).getByText('3.2.0 → 3.2.1', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('security-share-pos-app').textContent(), { timeout: WAIT }).toContain('4 of 8 terminals (50%)');
    await page.getByRole('img', { name: /PAX A920: 3\.2\.0 4, 3\.3\.0 4/ }).waitFor();
    await shot('en-updates');

    await page.getByRole('table', { name: 'Campaigns' }).getByRole('link', { name: 'pos-app 3.3.0 for 人民广场店' }).click();
    await page.getByRole('heading', { name: 'Campaign: pos-app 3.3.0 for 人民广场店' }).waitFor();
  });

  it('shows every Updates page in Chinese, with the glossary\'s words', { timeout: TEST_TIMEOUT }, async () => {
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '灰度发布：pos-app 3.3.0 for 人民广场店' }).waitFor();
    await page.getByTestId('campaign-status').getByText('已暂停', { exact: true }).waitFor();
    await page.getByTestId('wave-1').getByText('成功：1', { exact: true }).waitFor();
    await page.getByTestId('wave-2').getByText('失败：1', { exact: true }).waitFor();
    await page.getByRole('heading', { name: '第 3 批 · 50%' }).waitFor();
    await page.getByRole('button', { name: '继续' }).waitFor();
    await shot('zh-CN-campaign');

    await page.goto(`${url}/updates/campaigns/${second.id}`, { waitUntil: 'domcontentloaded' });
    const halt = page.getByRole('region', { name: '在第 1 批被自动叫停' });
    await halt.getByRole('table', { name: '导致叫停的数据' }).getByRole('row').filter({ hasText: '读卡失败率' }).getByText('是', { exact: true }).waitFor();
    await page.getByTestId('campaign-status').getByText('已取消', { exact: true }).waitFor();
    // Rolled back once: it links to its rollback instead of offering another.
    await page.getByRole('link', { name: 'Roll back pos-app 3.3.0 for 静安寺店' }).waitFor();
    expect(await page.getByRole('button', { name: '回滚' }).count()).toBe(0);
    await shot('zh-CN-campaign-halted-payments');

    const nav = page.getByRole('navigation', { name: '主导航' });
    await nav.getByRole('link', { name: '软件更新' }).click();
    await page.getByRole('heading', { name: '软件更新', level: 1 }).waitFor();
    await page.getByRole('table', { name: '更新包' }).getByRole('row').filter({ hasText: 'pos-app 3.3.0' }).getByText('安全补丁', { exact: true }).waitFor();
    await page.getByRole('img', { name: /^各终端型号的应用版本/ }).waitFor();
    await page.getByText('8 台中 4 台（50%）').waitFor();
    await shot('zh-CN-updates');

    await page.getByRole('link', { name: 'pos-app 3.3.0', exact: true }).click();
    await page.getByText('修复非接读卡超时；更新 TLS 证书。').waitFor();
    await shot('zh-CN-package');

    await page.getByRole('link', { name: '用此更新包开始灰度发布' }).click();
    await page.getByRole('heading', { name: '开始灰度发布', level: 1 }).waitFor();
    const filter = page.getByRole('group', { name: '目标终端' });
    await filter.getByLabel('标签', { exact: true }).fill('nowhere');
    await page.getByRole('button', { name: '开始发布' }).click();
    await filter.getByText('筛选条件没有匹配到任何终端。', { exact: true }).waitFor();
    await shot('zh-CN-start-campaign');

    await nav.getByRole('link', { name: '终端总览' }).click();
    await page.getByRole('region', { name: '进行中的灰度发布' }).getByText('已暂停', { exact: true }).waitFor();
    await shot('zh-CN-overview');

    // A shop of another merchant has no maintenance window: its terminal's install is skipped, and the
    // page says why in Chinese (the server's English sentence stays out of it).
    const merchant = await services.estate.createMerchant({ name: '南京路便利', timeZone: ZONE, locale: 'zh-CN' });
    const site = await services.estate.createSite({ merchantId: merchant.id, code: 'NJ-01', name: '南京路店' });
    await enrol('NJ-01', site.id, paxModel, '3.2.0');
    windowless = await adminApi<Campaign>('POST', '/campaigns', { name: '南京路店更新', packageId: packageIds.current, filter: { siteId: site.id }, waves: [100], observeMinutes: 5 });
    const [skipped] = await actions(windowless.id);
    expect(skipped).toMatchObject({ serialNumber: 'NJ-01', state: 'skipped', skipReason: 'no_window', reason: expect.stringContaining('no maintenance window applies') });
    await page.goto(`${url}/updates/campaigns/${windowless.id}`, { waitUntil: 'domcontentloaded' });
    const state = page.getByRole('table', { name: '终端及其安装' }).getByRole('row').filter({ hasText: 'NJ-01' }).getByTestId('action-state');
    await state.getByText('该终端没有适用的维护窗口', { exact: true }).waitFor();
    await state.getByText('已跳过', { exact: true }).waitFor();
    expect(await state.textContent()).not.toMatch(/[A-Za-z]/);
    const wave = page.getByTestId('wave-1');
    await wave.getByText(/已跳过或取消：1/).waitFor();
    expect(await wave.textContent()).not.toMatch(/[A-Za-z]/);
    await shot('zh-CN-campaign-skipped');
  });

  it('is usable at 390 px, in Chinese and in English', { timeout: TEST_TIMEOUT }, async () => {
    for (const [locale, labels] of [['zh-CN', ZH], ['en', EN]] as const) {
      const p = await newPage(await context({ viewport: PHONE, locale: locale === 'en' ? 'en-US' : 'zh-CN', timezoneId: ZONE }));
      await signIn(p, labels);
      const visit = async (path: string, ready: () => Promise<unknown>, name: string) => {
        await p.goto(`${url}${path}`, { waitUntil: 'domcontentloaded' });
        await ready();
        expect(await fits(p), `${name} fits 390 px in ${locale}`).toBe(true);
        await shot(`mobile-${locale}-${name}`, p);
      };
      const zh = locale === 'zh-CN';
      await visit('/', () => p.getByRole('region', { name: zh ? '进行中的灰度发布' : 'Campaigns in progress' }).getByRole('listitem').first().waitFor(), 'overview');
      await visit('/updates', () => p.getByTestId('security-share-pos-app').waitFor(), 'updates');
      await visit(`/updates/packages/${packageIds.current}`, () => p.getByRole('heading', { name: zh ? '更新包 pos-app 3.3.0' : 'Package pos-app 3.3.0' }).waitFor(), 'package');
      await visit(`/updates/campaigns/new?package=${packageIds.current}`, async () => {
        await p.getByRole('button', { name: zh ? '开始发布' : 'Start campaign' }).waitFor();
        await expect.poll(() => p.getByLabel(zh ? '名称' : 'Campaign name').inputValue(), { timeout: WAIT }).toBe('pos-app 3.3.0');
      }, 'start-campaign');
      await visit(`/updates/campaigns/${first.id}`, () => p.getByTestId('wave-4').waitFor(), 'campaign');
      await visit(`/updates/campaigns/${second.id}`, () => p.getByRole('table', { name: zh ? '导致叫停的数据' : 'The figures that halted it' }).waitFor(), 'campaign-halted-payments');
      await visit(`/updates/campaigns/${rollback.id}`, () => p.getByTestId('wave-1').waitFor(), 'campaign-rollback');
      await visit(`/updates/campaigns/${windowless.id}`, () => p.locator('[data-skip-reason="no_window"]')
        .getByText(zh ? '该终端没有适用的维护窗口' : 'No maintenance window applies to this terminal', { exact: true }).waitFor(), 'campaign-skipped');

      // The confirmation fits a phone too.
      await p.goto(`${url}/updates/campaigns/${first.id}`, { waitUntil: 'domcontentloaded' });
      await p.getByRole('button', { name: zh ? '继续' : 'Resume' }).click();
      const dialog = p.getByRole('dialog', { name: zh ? '继续灰度发布？' : 'Resume the campaign?' });
      await dialog.getByLabel(zh ? '新的最大失败率（%，可选）' : 'New max failure rate (%, optional)').waitFor();
      expect(await fits(p)).toBe(true);
      await shot(`mobile-${locale}-resume-dialog`, p);
      await dialog.getByRole('button', { name: zh ? '保持不变' : 'Keep as is' }).click();
      await expect.poll(() => dialog.count(), { timeout: WAIT }).toBe(0);
      expect((await campaign(first.id)).state).toBe('paused');
    }
  });
});
