// Gets a fleet simulator its enrolment codes through the operator API: a "SIM-A1" terminal model, a
// simulated merchant and its sites (each with the opening hours of how it trades) are found or
// created, so running the simulator twice adds nothing twice.
import type { SimulatedSite } from './simulator.ts';
import { openingHoursOf, SITE_PROFILES, type SiteKind } from './site-profiles.ts';

const MODEL_CODE = 'SIM-A1';
const MERCHANT_NAME = 'Simulated merchant';
const SITE_CODE = 'SIM-SITE';
const CODE_LIFETIME_MINUTES = 60 * 24 * 30;
// The simulated merchant trades in Shanghai (UTC+8 all year, as the virtual terminals assume).
const TIME_ZONE = 'Asia/Shanghai';

interface Named {
  id: string;
}

/** Returns an enrolment code that registers up to `uses` new terminals of model SIM-A1 at site SIM-SITE (a shop). */
export async function prepareSimulatorEnrolment(server: string, apiToken: string, uses: number): Promise<string> {
  const api = operatorApi(server, apiToken);
  const { model, merchant } = await modelAndMerchant(api);
  const site = await findOrCreate(api, `/api/v1/sites?q=${SITE_CODE}`, (s: { code: string }) => s.code === SITE_CODE, '/api/v1/sites', {
    merchantId: merchant.id, code: SITE_CODE, name: 'Simulated site', environment: ['indoor'], openingHours: openingHoursOf(SITE_PROFILES.shop),
  });
  return (await enrolmentCode(api, model.id, site.id, uses)).code;
}

export interface SimulatorSitePlan {
  profile: SiteKind;
  terminals: number;
  /** The site's conditions (default indoor): outdoor, dusty, hot or humid sites wear terminals faster. */
  environment?: readonly ('indoor' | 'outdoor' | 'dusty' | 'hot' | 'humid')[];
}

/**
 * Sites SIM-<PROFILE>-<n> (n counting per profile, e.g. SIM-CAFE-1), each with its profile's opening
 * hours and a code for its terminals: what runSimulator's `sites` takes.
 */
export async function prepareSimulatorSites(server: string, apiToken: string, plans: SimulatorSitePlan[]): Promise<(SimulatedSite & { siteId: string; siteCode: string })[]> {
  const api = operatorApi(server, apiToken);
  const { model, merchant } = await modelAndMerchant(api);
  const counts = new Map<SiteKind, number>();
  const sites = [];
  for (const plan of plans) {
    const n = (counts.get(plan.profile) ?? 0) + 1;
    counts.set(plan.profile, n);
    const profile = SITE_PROFILES[plan.profile];
    const code = `SIM-${plan.profile.toUpperCase()}-${n}`;
    const site = await findOrCreate(api, `/api/v1/sites?q=${code}`, (s: { code: string }) => s.code === code, '/api/v1/sites', {
      merchantId: merchant.id, code, name: `Simulated ${profile.label} ${n}`, environment: plan.environment ?? ['indoor'], openingHours: openingHoursOf(profile),
    });
    const { code: enrolment } = await enrolmentCode(api, model.id, site.id, plan.terminals);
    sites.push({
      siteId: site.id, siteCode: code, enrolmentCode: enrolment, terminals: plan.terminals, profile: plan.profile,
      utcOffsetMinutes: 480, timeZone: TIME_ZONE, locale: 'zh-CN' as const,
    });
  }
  return sites;
}

async function modelAndMerchant(api: Api) {
  const model = await findOrCreate(api, `/api/v1/terminal-models?q=${MODEL_CODE}`, (m: { code: string }) => m.code === MODEL_CODE, '/api/v1/terminal-models', {
    code: MODEL_CODE, vendor: 'PosFleet', model: 'Simulated A1',
    components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['ethernet', 'wifi', 'cellular'] },
  });
  const merchant = await findOrCreate(api, `/api/v1/merchants?q=${encodeURIComponent(MERCHANT_NAME)}`, (m: { name: string }) => m.name === MERCHANT_NAME, '/api/v1/merchants', {
    name: MERCHANT_NAME, timeZone: TIME_ZONE, locale: 'zh-CN',
  });
  return { model, merchant };
}

function enrolmentCode(api: Api, modelId: string, siteId: string, uses: number): Promise<{ code: string }> {
  return api<{ code: string }>('POST', '/api/v1/enrolment-codes', { modelId, siteId, uses, expiresInMinutes: CODE_LIFETIME_MINUTES });
}

type Api = <T>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<T>;

function operatorApi(server: string, apiToken: string): Api {
  const base = server.replace(/\/+$/, '');
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${apiToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${errorMessage(text)}`);
    return JSON.parse(text) as T;
  };
}

/** The search is a "contains" match, so the exact one is picked out of its results. */
async function findOrCreate<T>(api: Api, searchPath: string, isIt: (item: T) => boolean, createPath: string, input: unknown): Promise<T & Named> {
  const page = await api<{ items: (T & Named)[] }>('GET', searchPath);
  return page.items.find(isIt) ?? api<T & Named>('POST', createPath, input);
}

function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
  } catch {
    return text;
  }
}
