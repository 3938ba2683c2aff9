// Helpers shared by the load benches (not by the server child, server-process.ts, which runs on import).
import type { Request } from 'autocannon';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.ts';
import { heartbeatReport } from '../test/support/app.ts';

/**
 * Heartbeat n goes to terminal n % T with seq ⌊n / T⌋ + `firstSeq`: every request is a new heartbeat,
 * never a duplicate (seqs below `firstSeq` are those the bench's setup already sent).
 */
export function heartbeatRequests(credentials: string[], firstSeq: number): Request[] {
  let n = 0;
  const headers = credentials.map((c) => ({ authorization: `Bearer ${c}`, 'content-type': 'application/json' }));
  // The report the tests send, without seq and sentAt (each request gets its own).
  const { seq: _seq, sentAt: _sentAt, ...report } = heartbeatReport(0);
  const rest = JSON.stringify(report).slice(1);
  return [{
    method: 'POST', path: '/device/v1/heartbeat',
    setupRequest: (req) => {
      const i = n++;
      req.headers = { ...headers[i % headers.length] };
      req.body = `{"seq":${Math.floor(i / headers.length) + firstSeq},"sentAt":"${new Date().toISOString()}",${rest}`;
      return req;
    },
  }];
}

/** `with recursive n(i)`: the numbers 0 … n − 1, for making rows inside SQLite by INSERT … SELECT. */
export const counter = (n: number) => sql`with recursive n(i) as (select 0 union all select i + 1 from n where i + 1 < ${n})`;

/**
 * A fleet made inside SQLite: a merchant per ten sites (`m000000` …), one model (`bench-model`), `sites` sites
 * (`s0000000` …) and `terminals` terminals (`t0000000` …, serials `SN0000000` …), `perSite` to a site, all made at `at`.
 */
export async function seedFleet(db: Kysely<Database>, { sites, terminals, perSite, at }: { sites: number; terminals: number; perSite: number; at: string }): Promise<void> {
  await sql`${counter(Math.ceil(sites / 10))} insert into merchants (id, name, time_zone, locale, created_at, updated_at)
    select printf('m%06d', i), printf('Merchant %d', i), 'Asia/Shanghai', 'zh-CN', ${at}, ${at} from n`.execute(db);
  await sql`insert into terminal_models (id, code, vendor, model, components, created_at, updated_at) values ('bench-model', 'BENCH', 'PAX', 'A920', '{}', ${at}, ${at})`.execute(db);
  await sql`${counter(sites)} insert into sites (id, merchant_id, code, name, opening_hours, environment, created_at, updated_at)
    select printf('s%07d', i), printf('m%06d', i / 10), printf('S%07d', i), printf('Site %d', i), '{}', '["indoor"]', ${at}, ${at} from n`.execute(db);
  await sql`${counter(terminals)} insert into terminals (id, serial_number, model_id, site_id, status, components, created_at, updated_at)
    select printf('t%07d', i), printf('SN%07d', i), 'bench-model', printf('s%07d', i / ${perSite}), 'active', '{}', ${at}, ${at} from n`.execute(db);
}
