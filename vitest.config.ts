// Vitest configuration for PosFleet: unit + integration tests, with a shared PostgreSQL server from global setup.
import { availableParallelism } from 'node:os';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The slowest files, longest first (from the last full run on the 2-core machine): they start first, so the
 * short files fill the gaps beside them instead of one long file running alone at the end. A fresh clone
 * has no timings to go by (Vitest then orders by file size); after a run, Vitest's own record of
 * durations orders the files not named here.
 */
const LONGEST_FIRST = [
  'test/dashboard-updates.e2e.test.ts', 'test/console-terminals.e2e.test.ts', 'test/rollouts-fleet.test.ts', 'test/dashboard.e2e.test.ts',
  'test/dashboard-pages.e2e.test.ts', 'test/console-loops.e2e.test.ts', 'test/hostile-input.test.ts', 'test/rollouts.test.ts',
  'test/remote-assistance.e2e.test.ts', 'test/console-settings.e2e.test.ts', 'test/cli-database.test.ts', 'test/access-matrix.test.ts',
  'test/zh-pages.e2e.test.ts', 'test/merchant-view.e2e.test.ts', 'test/console-phone.e2e.test.ts', 'test/cluster.test.ts',
  'test/configuration-campaigns.test.ts', 'test/terminal-csv.test.ts', 'test/access.test.ts', 'test/baselines-page.e2e.test.ts',
  'test/simulator.test.ts', 'test/suspicious-cases.e2e.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((name) => file.moduleId.endsWith(name));
      return at < 0 ? LONGEST_FIRST.length : at;
    };
    // Stable: the base order (known durations, else size) among the rest.
    return (await super.sort(files)).map((file, i) => ({ file, i })).sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i).map((x) => x.file);
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Bounds for a test that is stuck, not a measure of speed: CI is a busy 2-core machine, where a test
    // that takes 10 s alone can take three times that (each waits for events with bounds of its own).
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each worker process runs its files one after the other on one module graph, instead of a fresh process
    // importing the server's ~1,000 modules for each file (about 2 s of CPU a file; 140 s of "import" in a
    // full run before). Safe because no test stubs globals, mocks modules or sets process.env, and every file
    // closes the servers, databases and browsers it starts; module-level state in src/ is memo caches only.
    isolate: false,
    // Vitest's default is one worker per core less one: a single worker on 2 cores, and most files wait on
    // servers, databases, browsers and child processes rather than compute. Two files at a time, at least.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: LongestFirst },
  },
});
