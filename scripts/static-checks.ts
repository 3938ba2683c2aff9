// `npm test`'s first step: the server's type check, the dashboard's type check and the lint, side by side.
// One after the other they took about 40 + 20 + 15 s on the 2-core machine; side by side the two cores are
// both busy, so the step takes about as long as the longest. Each one's output is printed whole, in order,
// once all have ended; the step fails when any of them failed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const bin = (name: string) => join(import.meta.dirname, '..', 'node_modules', '.bin', name);
const CHECKS: Array<{ name: string; command: string; args: string[] }> = [
  { name: 'typecheck (server)', command: bin('tsc'), args: ['--noEmit', '-p', '.'] },
  { name: 'typecheck (dashboard)', command: bin('tsc'), args: ['--noEmit', '-p', 'web'] },
  { name: 'lint', command: bin('eslint'), args: ['.'] },
];

function run(check: (typeof CHECKS)[number]): Promise<{ name: string; code: number; output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(check.command, check.args, { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ name: check.name, code: 1, output: `${output}${error.message}\n`, seconds: (Date.now() - started) / 1000 }));
    child.on('close', (code) => resolve({ name: check.name, code: code ?? 1, output, seconds: (Date.now() - started) / 1000 }));
  });
}

const results = await Promise.all(CHECKS.map(run));
for (const result of results) {
  console.log(`${result.code === 0 ? 'ok  ' : 'FAIL'} ${result.name} (${result.seconds.toFixed(0)} s)`);
  if (result.output.trim()) console.log(result.output.trimEnd());
}
process.exitCode = results.some((result) => result.code !== 0) ? 1 : 0;
