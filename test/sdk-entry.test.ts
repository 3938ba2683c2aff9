// The SDK's package entry: a POS application imports `posfleet/sdk` (package.json `exports`) and gets the
// SDK's public surface only — no test double — and nothing it loads, however deep, is a server internal
// (a service, repository, route file, the database or the HTTP layer).
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sdk from 'posfleet/sdk';

const ROOT = join(import.meta.dirname, '..');

/** Every file the module loads through relative imports and re-exports, itself included. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]/g)) queue.push(resolve(dirname(file), m[1]!));
  }
  return seen;
}

describe("the SDK's entry point", () => {
  it('is the package export posfleet/sdk, with the client and without a test double', () => {
    expect(typeof sdk.PosFleetTerminal).toBe('function');
    expect(typeof sdk.PosFleetError).toBe('function');
    expect(Object.keys(sdk)).not.toContain('memoryStorage');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string> };
    expect(pkg.exports['./sdk']).toBe('./src/sdk/index.ts');
  });

  it('loads no server internal, however deep: the wire types come through src/protocol/', () => {
    const files = [...reachable(join(ROOT, 'src', 'sdk', 'index.ts'))].map((f) => relative(ROOT, f).replaceAll('\\', '/'));
    expect(files).toContain('src/protocol/index.ts');
    expect(files.filter((f) => /\.(service|repository|routes)\.ts$/.test(f) || /^src\/(db|http)\//.test(f) || /^src\/[^/]+\.ts$/.test(f))).toEqual([]);
    // The SDK's own files reach the server's only through the protocol module.
    const direct = files.filter((f) => f.startsWith('src/sdk/')).flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/from\s+'(\.\.\/[^']+)'/g)].map((m) => m[1]));
    expect(new Set(direct)).toEqual(new Set(['../protocol/index.ts']));
  });
});
