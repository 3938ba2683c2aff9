// The update agent's waits: a terminal given timers (a simulated one, a test's) waits on them, never on
// the real clock, between tries of the "installed" report the job waits for.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPackage } from '../rollouts/package-signature.ts';
import { PosFleetError } from './errors.ts';
import { memoryStorage, UpdateAgent, type Deployment } from './updates.ts';

/** Timers that fire only when the test says so. */
function drivenTimers() {
  let ids = 0;
  const timers = new Map<number, { ms: number; callback: () => void }>();
  return {
    setTimeout: (callback: () => void, ms: number) => (timers.set(++ids, { ms, callback }), ids),
    clearTimeout: (handle: unknown) => void timers.delete(handle as number),
    waits: () => [...timers.values()].map((t) => t.ms),
    fireNext() {
      const [id, timer] = [...timers][0] ?? [];
      if (!id || !timer) throw new Error('nothing waits on the timers');
      timers.delete(id);
      timer.callback();
    },
  };
}

/** A signed 1 KB package offered as deployment 7, for job J-1. */
function signedDeployment(): { deployment: Deployment; content: Uint8Array } {
  const content = new Uint8Array(1024).map((_, i) => i % 251);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const facts = { kind: 'application', name: 'pos', version: '3.4.0', size: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  return {
    content,
    deployment: {
      actionId: 7, state: 'scheduled', installAllowed: true, maintenanceJobId: 'J-1',
      package: {
        ...facts, id: 'P-1', fileName: 'pos-3.4.0.apk', signature: signPackage(facts, privateKey), keyId: 'k1',
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), securityPatch: false, releaseNotes: { en: '3.4.0' }, downloadUrl: '/device/v1/packages/P-1/content',
      },
    } as Deployment,
  };
}

describe('update agent', () => {
  it('waits on the terminal timers before it tries the "installed" report again', async () => {
    const { deployment, content } = signedDeployment();
    const timers = drivenTimers();
    const installedTries: number[] = [];
    const agent = new UpdateAgent({
      getJson: async <T,>() => deployment as T,
      postJson: async <T,>(_path: string, body: unknown) => {
        if ((body as { status: string }).status === 'installed') {
          installedTries.push(installedTries.length + 1);
          if (installedTries.length === 1) throw new PosFleetError('network_error', 'link down');
        }
        return { state: 'installing' } as T;
      },
      fetchRaw: async () => new Response(content),
      timers,
    }, { storage: memoryStorage(), install: async () => {} });
    agent.onHint({ actionId: 7, state: 'scheduled', installAllowed: true });

    const installing = agent.installInJob(new AbortController().signal, 'J-1');
    // The first "installed" report is lost: the agent waits a second, on the terminal's timers.
    await expect.poll(() => timers.waits(), { timeout: 20_000 }).toEqual([1_000]);
    expect(installedTries).toEqual([1]);
    timers.fireNext();
    expect(await installing).toBe(true);
    expect(installedTries).toEqual([1, 2]);
  });
});
