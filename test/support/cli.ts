// The `posfleet` command for tests that run it as a real process on a database: one bundle of its sources
// (src/cli/main.ts and what it imports; the packages stay in node_modules), built when stale. Started through
// bin/posfleet.mjs, each command that opens a database spends about 2 s of CPU having tsx load ~1,000 modules;
// the bundle starts in under 1 s. Same sources, same process, same exit codes and output: only the loading
// differs. `serve` still goes through bin/posfleet.mjs (its heartbeat writer thread loads its own module
// through tsx), and so does a test of the command's start itself.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = join(import.meta.dirname, '..', '..');
/** Two folders below the root, like src/cli/main.ts, so that paths taken from import.meta.url (web/dist) still hold. */
const BUNDLE = join(ROOT, 'test-artifacts', 'cli', 'posfleet.mjs');

function newestIn(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestIn(join(path, name))));
}

/**
 * The path of the bundled `posfleet` entry, to run as `node <path> <command> …` (cwd: the repository). Built
 * (about a second) when src/ changed since; files running side by side may both build it, each writing a
 * file of its own and renaming it into place.
 */
export function posfleetEntry(): string {
  if (existsSync(BUNDLE) && newestIn(join(ROOT, 'src')) <= statSync(BUNDLE).mtimeMs) return BUNDLE;
  mkdirSync(join(ROOT, 'test-artifacts', 'cli'), { recursive: true });
  const building = `${BUNDLE}.${process.pid}.tmp`;
  buildSync({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')], outfile: building, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', logLevel: 'error',
  });
  renameSync(building, BUNDLE);
  return BUNDLE;
}
