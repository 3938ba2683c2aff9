// Vitest configuration for PosFleet: unit + integration tests, with a shared PostgreSQL server from global setup.
import { availableParallelism } from 'node:os';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files that take minutes (simulated fleets of 1,000 terminals), longest first. They start first, so
 * the rest of the suite runs beside them instead of after them (a fresh clone has no timings to go by).
 */
const LONGEST_FIRST = ['test/rollouts-fleet.test.ts', 'test/preventive-fleet.test.ts', 'test/cli-database.test.ts'];

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
    // Vitest's default is one worker per core less one: a single worker on 2 cores, and most files wait on
    // servers, databases, browsers and child processes rather than compute. Two files at a time, at least.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: LongestFirst },
  },
});
