// The heartbeat path's credential check for terminals heartbeating minutes apart, as in production: 2,000 terminals
// enrolled in process on a fresh SQLite file, then checked in 6 passes with the server's clock 3 minutes on each time.
// Prints the CPU per check of passes 2-6 (the first after enrolment always reads). Not in `npm run bench`:
// `npx tsx bench/credential-check.bench.ts` (to compare with older code, run the same file in a checkout of it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createServices } from '../src/services.ts';

const TERMINALS = 2000;
let now = Date.parse('2026-11-25T08:00:00Z');
const s = await createServices(loadConfig({ DATABASE_URL: join(mkdtempSync(join(tmpdir(), 'posfleet-credential-check-')), 'bench.db'), POSFLEET_ADMIN_TOKEN: 'bench' }), () => new Date(now));
const model = await s.estate.createModel({ code: 'M', vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] } });
const merchant = await s.estate.createMerchant({ name: 'M', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
const site = await s.estate.createSite({ merchantId: merchant.id, code: 'S', name: 'S' });
const { code } = await s.device.createEnrolmentCode({ modelId: model.id, siteId: site.id, uses: TERMINALS }, 'bench');
const credentials: string[] = [];
for (let i = 0; i < TERMINALS; i++) credentials.push((await s.device.enrol({ serialNumber: `CHECK-${i}`, code })).credential);
const perCheck: number[] = [];
for (let pass = 0; pass < 6; pass++) {
  now += 3 * 60_000;
  const cpu = process.cpuUsage();
  for (const credential of credentials) await s.device.terminalOfCredential(credential);
  const used = process.cpuUsage(cpu);
  if (pass > 0) perCheck.push((used.user + used.system) / TERMINALS);
}
const sorted = [...perCheck].sort((a, b) => a - b);
console.log(`credential check, heartbeats 3 min apart: median ${sorted[2]!.toFixed(1)} µs of CPU (passes ${perCheck.map((t) => t.toFixed(1)).join(', ')})`);
await s.db.close();
