// CSV import and export of terminals: all-or-nothing by default, every bad row named by line and field.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';
import { posfleetEntry } from './support/cli.ts';

const HEADER = 'serial_number,model_code,site_code,status,tags,app_version,firmware_version,network_type';

function fleetCsv(count: number, modelCode: string, siteCode: string, prefix: string) {
  const lines = [HEADER];
  for (let i = 0; i < count; i++) {
    lines.push(`${prefix}${String(i).padStart(6, '0')},${modelCode},${siteCode},,counter;floor-${i % 3},3.2.${i % 4},fw-1,wifi`);
  }
  return lines.join('\n') + '\n';
}

describe.each(databases())('terminal CSV on $name', (kind) => {
  let t: TestApp;
  let estate: Awaited<ReturnType<typeof buildEstate>>;
  beforeAll(async () => {
    t = await startTestApp(await kind.fresh());
    estate = await buildEstate(t);
  });
  afterAll(() => t.close());

  it('imports nothing when one of 10,000 rows is bad, and names its line and field', async () => {
    const lines = fleetCsv(10_000, estate.model.code, estate.site.code, 'BULK-').split('\n');
    lines[5001] = lines[5001]!.replace(estate.model.code, 'NO-SUCH-MODEL'); // the 5,001st terminal, on line 5,002
    const res = await t.api('POST', '/api/v1/terminals/import', lines.join('\n'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_csv', field: 'model_code' });
    expect(res.json().error).toMatchObject({ key: 'estate.csv_rows_invalid', params: { line: '5002', column: 'model_code', problem: 'unknown_model', value: 'NO-SUCH-MODEL' } });
    expect(res.json().error.message).toContain('第 5002 行');
    expect(res.json().error.details.errors).toEqual([{ line: 5002, field: 'model_code', reason: 'no terminal model has code "NO-SUCH-MODEL"' }]);
    expect((await t.api('GET', '/api/v1/terminals?q=BULK-&limit=1')).json().items).toHaveLength(0);
  });

  // 20,000 rows written and read back: about 30 s on PostgreSQL when the machine is busy, so a bound of its own.
  it('imports all 10,000 rows of a good file, then updates them on a second import', { timeout: 180_000 }, async () => {
    const csv = fleetCsv(10_000, estate.model.code, estate.site.code, 'BULK-');
    const first = await t.api('POST', '/api/v1/terminals/import', csv);
    expect(first.json()).toEqual({ created: 10_000, updated: 0, errors: [] });
    let total = 0;
    let cursor: string | null = null;
    do {
      const page: { items: unknown[]; nextCursor: string | null } = (await t.api('GET', `/api/v1/terminals?siteId=${estate.site.id}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json();
      total += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(total).toBe(10_000);
    const tagged = (await t.api('GET', `/api/v1/terminals?tag=floor-2&q=BULK-000005`)).json().items;
    expect(tagged[0]).toMatchObject({ serialNumber: 'BULK-000005', tags: ['counter', 'floor-2'], appVersion: '3.2.1', status: 'active', networkType: 'wifi' });

    const again = await t.api('POST', '/api/v1/terminals/import', csv.replace('BULK-000001,', 'BULK-000001,').replace(/3\.2\.1,/g, '3.3.0,'));
    expect(again.json()).toMatchObject({ created: 0, updated: 10_000 });
    expect((await t.api('GET', '/api/v1/terminals?appVersion=3.3.0&limit=1000')).json().items).toHaveLength(1000);
  });

  it('reports every kind of bad row, and imports the good ones only when asked to', async () => {
    const csv = [
      HEADER,
      `PART-1,${estate.model.code},${estate.site.code},,,,,`,
      `x,${estate.model.code},,,,,,`,
      `PART-2,${estate.model.code},NOPE,,,,,`,
      `PART-3,${estate.model.code},,broken,,,,`,
      `PART-4,${estate.model.code},,,bad tag!,,,`,
      `PART-5,${estate.model.code},,,,,,satellite`,
      `PART-1,${estate.model.code},,,,,,`,
    ].join('\n');
    const strict = await t.api('POST', '/api/v1/terminals/import', csv);
    expect(strict.statusCode).toBe(400);
    expect(strict.json().error.details.errors.map((e: { line: number; field: string }) => `${e.line}:${e.field}`)).toEqual([
      '3:serial_number', '4:site_code', '5:status', '6:tags', '7:network_type', '8:serial_number',
    ]);
    const partial = await t.api('POST', '/api/v1/terminals/import?partial=true', csv);
    expect(partial.statusCode).toBe(200);
    expect(partial.json()).toMatchObject({ created: 1, updated: 0 });
    expect((await t.api('GET', '/api/v1/terminals?q=PART-1')).json().items[0]).toMatchObject({ status: 'active', siteId: estate.site.id });
  });

  it('rejects a file with an unknown or missing column before looking at rows', async () => {
    const unknown = await t.api('POST', '/api/v1/terminals/import', 'serial,model_code\nA-1,X\n');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ key: 'estate.csv_unknown_column', params: { column: 'serial' } });
    const missing = await t.api('POST', '/api/v1/terminals/import', 'serial_number\nA-1\n');
    expect(missing.json().error).toMatchObject({ code: 'invalid_csv', field: 'model_code' });
  });

  it('exports what it imports', async () => {
    const res = await t.api('GET', `/api/v1/terminals/export?siteId=${estate.site.id}&q=BULK-00000`);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe(`${HEADER},merchant,online,last_seen_at`);
    expect(lines).toHaveLength(11);
    expect(lines[1]).toBe(`BULK-000000,${estate.model.code},${estate.site.code},active,counter;floor-0,3.2.0,fw-1,wifi,${estate.merchant.name},no,`);
  });
});

describe('posfleet import (CLI)', () => {
  it('imports a file straight into the database and reports bad rows with their line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posfleet-cli-'));
    const databaseUrl = join(dir, 'cli.db');
    const t = await startTestApp(databaseUrl);
    const estate = await buildEstate(t);
    await t.close();
    const run = (file: string) => promisify(execFile)(process.execPath, [posfleetEntry(), 'import', file, '--database-url', databaseUrl]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `${HEADER}\nCLI-1,${estate.model.code},,,,,,\nCLI-2,NOPE,,,,,,\n`);
    const failed = await run(bad);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('line 3, model_code: no terminal model has code "NOPE"');
    const good = join(dir, 'good.csv');
    writeFileSync(good, fleetCsv(50, estate.model.code, estate.site.code, 'CLI-'));
    const ok = await run(good);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('50 created, 0 updated');
  });
});
