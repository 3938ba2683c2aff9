// Gets a fleet simulator its enrolment code through the operator API: a "SIM-A1" terminal model and a
// simulated merchant and site are found or created, so running the simulator twice adds nothing twice.

const MODEL_CODE = 'SIM-A1';
const MERCHANT_NAME = 'Simulated merchant';
const SITE_CODE = 'SIM-SITE';
const CODE_LIFETIME_MINUTES = 60 * 24 * 30;

interface Named {
  id: string;
}

/** Returns an enrolment code that registers up to `uses` new terminals of model SIM-A1 at site SIM-SITE. */
export async function prepareSimulatorEnrolment(server: string, apiToken: string, uses: number): Promise<string> {
  const api = operatorApi(server, apiToken);
  const model = await findOrCreate(api, `/api/v1/terminal-models?q=${MODEL_CODE}`, (m: { code: string }) => m.code === MODEL_CODE, '/api/v1/terminal-models', {
    code: MODEL_CODE, vendor: 'PosFleet', model: 'Simulated A1',
    components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['ethernet', 'wifi', 'cellular'] },
  });
  const merchant = await findOrCreate(api, `/api/v1/merchants?q=${encodeURIComponent(MERCHANT_NAME)}`, (m: { name: string }) => m.name === MERCHANT_NAME, '/api/v1/merchants', {
    name: MERCHANT_NAME, timeZone: 'Asia/Shanghai', locale: 'zh-CN',
  });
  const site = await findOrCreate(api, `/api/v1/sites?q=${SITE_CODE}`, (s: { code: string }) => s.code === SITE_CODE, '/api/v1/sites', {
    merchantId: merchant.id, code: SITE_CODE, name: 'Simulated site', environment: ['indoor'],
  });
  const code = await api<{ code: string }>('POST', '/api/v1/enrolment-codes', {
    modelId: model.id, siteId: site.id, uses, expiresInMinutes: CODE_LIFETIME_MINUTES,
  });
  return code.code;
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
