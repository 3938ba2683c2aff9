// A small demo estate for `npm start`: two merchants, their sites, two terminal models, a few terminals,
// and the seed's maintenance calendar planned over them. Seeded only into an empty database, so
// restarting never duplicates it.
import type { Services } from '../services.ts';
import { DEMO_APPLICATION, DEMO_PARAMETERS } from '../configuration/demo-schema.ts';

export interface DemoEstate {
  seeded: boolean;
  summary: string;
  /** An enrolment code that registers new terminals at the demo's simulator site. */
  createSimulatorCode(uses: number): Promise<string>;
}

const weekdays = (open: string, close: string) =>
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open, close }]]));

export async function seedDemoEstate({ estate, device, preventive, configuration, configurationSchemas, configurationLevels }: Pick<Services, 'estate' | 'device' | 'preventive' | 'configuration' | 'configurationSchemas' | 'configurationLevels'>): Promise<DemoEstate> {
  const existing = await estate.listSites({ limit: 1000, q: 'DEMO-' });
  const simulatorCode = async (uses: number) => {
    const sites = await estate.listSites({ limit: 1, q: 'DEMO-SIM' });
    const models = await estate.listModels({ limit: 1, q: 'PAX-A920' });
    const code = await device.createEnrolmentCode({ siteId: sites.items[0]?.id, modelId: models.items[0]?.id, uses, expiresInMinutes: 60 * 24 * 30 }, 'demo');
    return code.code;
  };
  if (existing.items.length) return { seeded: false, summary: 'already present', createSimulatorCode: simulatorCode };

  const a920 = await estate.createModel({
    code: 'PAX-A920', vendor: 'PAX', model: 'A920',
    components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi', 'cellular'] },
  });
  const v240m = await estate.createModel({
    code: 'VERIFONE-V240M', vendor: 'Verifone', model: 'V240m',
    components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['ethernet', 'wifi'] },
  });
  const tea = await estate.createMerchant({ name: '青柠茶饮', contactEmail: 'ops@qingning.example', contactPhone: '+86 21 5555 0100', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
  const books = await estate.createMerchant({ name: 'Harbour Books', contactEmail: 'it@harbourbooks.example', contactPhone: '+44 20 7946 0000', timeZone: 'Europe/London', locale: 'en' });
  const sites = [
    await estate.createSite({ merchantId: tea.id, code: 'DEMO-SH-01', name: '人民广场店', address: '上海市黄浦区南京东路 1 号', latitude: 31.2336, longitude: 121.4753, openingHours: weekdays('09:00', '22:00'), environment: ['indoor'] }),
    await estate.createSite({ merchantId: tea.id, code: 'DEMO-SH-02', name: '外滩夜市摊', address: '上海市黄浦区中山东一路', openingHours: weekdays('17:00', '24:00'), environment: ['outdoor', 'humid'] }),
    await estate.createSite({ merchantId: books.id, code: 'DEMO-LDN-01', name: 'Covent Garden', address: '12 Long Acre, London', openingHours: weekdays('10:00', '19:00'), environment: ['indoor', 'dusty'] }),
    await estate.createSite({ merchantId: books.id, code: 'DEMO-SIM', name: 'Simulator bench', environment: ['indoor'] }),
  ];
  let count = 0;
  // The demo POS application's parameters, with values at each level: a fleet footer, each merchant's
  // receipt header and acquirer, the night market's later batch close, and every terminal's TID and MID.
  await configurationSchemas.registerSchema({ application: DEMO_APPLICATION, version: '3.2.0', parameters: DEMO_PARAMETERS }, 'demo');
  const fleetActor = { name: 'demo', scope: { kind: 'fleet' as const } };
  await configurationLevels.set('fleet', 'fleet', { values: { receiptFooter: '谢谢惠顾 Thank you for shopping' }, reason: 'demo seed' }, fleetActor);
  await configurationLevels.set('merchant', tea.id, { values: { receiptHeader: '青柠茶饮 Qingning Tea' }, reason: 'demo seed' }, fleetActor);
  await configurationLevels.set('merchant', books.id, {
    values: { receiptHeader: 'Harbour Books', language: 'en', acquirer: 'worldpay', acquirerHost: 'pos.worldpay.example', tips: true, receiptFooter: 'Thank you 谢谢' }, reason: 'demo seed',
  }, fleetActor);
  await configurationLevels.set('site', sites[1]!.id, { values: { batchCloseTime: '01:30', receiptFooter: '夜市见 See you tonight' }, reason: 'demo seed' }, fleetActor);
  for (const [i, site] of sites.slice(0, 3).entries()) {
    for (let n = 1; n <= 4; n++) {
      const terminal = await estate.createTerminal({
        serialNumber: `DEMO-${i + 1}${String(n).padStart(3, '0')}`, modelId: n % 2 ? a920.id : v240m.id, siteId: site.id,
        tags: n === 4 ? ['backup'] : ['counter'], appVersion: '3.2.0', firmwareVersion: n % 2 ? 'PayDroid-9.1' : 'VOS3-4.2',
      });
      await configuration.refresh();
      await configurationLevels.set('terminal', terminal.id, {
        values: { tid: `${i + 1}${String(n).padStart(7, '0')}`, mid: `89831000000${i < 2 ? '0001' : '0002'}` }, reason: 'demo seed',
      }, fleetActor);
      count++;
    }
  }
  // Every terminal on the seed's calendar (daily to yearly): due dates differ by each site's environment.
  const templates = (await preventive.listTemplates()).items.filter((t) => t.builtin);
  await preventive.createPlan({ name: 'Maintenance calendar 维护日历', templateIds: templates.map((t) => t.id), filter: {} }, { id: null, name: 'demo', scope: { kind: 'fleet' } });
  return {
    seeded: true, summary: `2 merchants, ${sites.length} sites, 2 terminal models, ${count} terminals, a preventive maintenance plan`, createSimulatorCode: simulatorCode,
  };
}

/**
 * The demo's browser sign-in. It is an admin: whoever tries the demo is shown every page, Settings'
 * Users included (an operator may not manage accounts, so the demo would hide half of the console).
 */
export function createDemoAccount(access: Services['access'], password: string) {
  return access.createUser({ email: 'demo@posfleet.local', name: 'Demo operator', role: 'admin', password });
}
