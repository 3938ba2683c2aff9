// `posfleet case verify <bundle.tar>`: checks a case bundle exported from the dashboard or the API
// against its signed hash list, offline (no server, no database). Exit 0 when it verifies, 2 when not.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fromTar, verifyBundle } from '../case-export/bundle.ts';

export function registerCaseCommands(program: Command): void {
  const cases = program.command('case').description('suspicious-activity case bundles');
  cases.command('verify').description('check a case bundle (.tar) against its signed SHA-256 list').argument('<file>', 'the bundle')
    .option('--public-key <pem>', 'the PosFleet server\'s case-export public key, as you received it; without it the bundle\'s own key is used and its fingerprint printed to compare')
    .action(async (file: string, opts: { publicKey?: string }) => {
      const verdict = verifyBundle(await fromTar(readFileSync(file)), opts.publicKey ? readFileSync(opts.publicKey, 'utf8') : undefined);
      if (verdict.ok) {
        console.log(`bundle verified: ${verdict.files} files match SHA256SUMS, signed by key ${verdict.fingerprint}${opts.publicKey ? ' (the key given)' : ' (compare this fingerprint with the server\'s)'}`);
        return;
      }
      for (const p of verdict.problems) console.error(`${p.file}: ${p.problem.replaceAll('_', ' ')}`);
      console.error('bundle does NOT verify');
      process.exitCode = 2;
    });
}
