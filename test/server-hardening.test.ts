// The running server as an operator deploys it: HTTPS when given a certificate, secure cookies, logs
// that carry request ids and never a secret.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';
import { heartbeatReport } from './support/app.ts';
import { poll } from './support/server.ts';

const PASSWORD = 'harbour books 2026';

describe.skipIf(!existsSync('/usr/bin/openssl'))('HTTPS', () => {
  it('serves HTTPS with the given certificate and marks session cookies Secure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posfleet-tls-'));
    await promisify(execFile)('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    const server = await startServer(loadConfig({
      PORT: '0', DATABASE_URL: join(dir, 'tls.db'), POSFLEET_ADMIN_TOKEN: 'tls-admin', TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem'),
    }), { logger: false, jobs: false });
    try {
      expect(server.url).toMatch(/^https:/);
      await server.services.access.createUser({ email: 'tls@example.com', name: 'TLS', role: 'operator', password: PASSWORD });
      const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const req = request(`${server.url}/api/v1/auth/login`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie']) }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ email: 'tls@example.com', password: PASSWORD }));
      });
      expect(answer.status).toBe(200);
      expect(answer.cookie).toContain('Secure');
      expect(answer.cookie).toContain('HttpOnly');
    } finally {
      await server.close();
    }
  });
});

describe('server logs', () => {
  it('carry a request id and never a token, password, terminal credential or enrolment code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posfleet-logs-'));
    const child = spawn(process.execPath, ['bin/posfleet.mjs', 'serve'], {
      env: { ...process.env, PORT: '0', DATABASE_URL: join(dir, 'logs.db'), POSFLEET_ADMIN_TOKEN: 'log-admin-token-secret', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (chunk) => { log += chunk; });
    child.stderr.on('data', (chunk) => { log += chunk; });
    try {
      // The command starts through tsx: on a busy machine that takes far longer than on a quiet one.
      const url = await poll(() => /listening on (http\S+)/.exec(log)?.[1] ?? (child.exitCode !== null ? null : undefined), 120_000, 'the server listening');
      if (url === null) throw new Error(`the server exited with ${child.exitCode}:\n${log}`);
      const api = async (path: string, body?: unknown, token = 'log-admin-token-secret') => (await fetch(`${url}${path}`, {
        method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }),
      })).json() as Promise<Record<string, unknown>>;
      const model = await api('/api/v1/terminal-models', { code: 'LOG-M', vendor: 'PAX', model: 'A920', components: { cardReader: { chip: true, swipe: true, contactless: true }, printer: true, battery: true, networks: ['wifi'] } });
      const merchant = await api('/api/v1/merchants', { name: 'Log merchant', timeZone: 'Asia/Shanghai', locale: 'zh-CN' });
      const site = await api('/api/v1/sites', { merchantId: merchant.id, code: 'LOG-S', name: 'Log site' });
      await api('/api/v1/users', { email: 'logs@example.com', name: 'Logs', role: 'operator', password: PASSWORD });
      await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'logs@example.com', password: PASSWORD }) });
      const { code } = await api('/api/v1/enrolment-codes', { modelId: model.id, siteId: site.id }) as { code: string };
      const { credential } = await (await fetch(`${url}/device/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serialNumber: 'LOG-0001', code }) })).json() as { credential: string };
      await api('/device/v1/heartbeat', heartbeatReport(1), credential);
      await api('/device/v1/heartbeat', heartbeatReport(2), 'pft_wrong_credential');

      const lines = log.split('\n').filter((l) => l.startsWith('{'));
      const requests = lines.filter((l) => l.includes('"incoming request"'));
      expect(requests.length).toBeGreaterThan(5);
      expect(requests.every((l) => /"reqId":"[0-9a-f-]{36}"/.test(l))).toBe(true);
      expect(lines.some((l) => l.includes('/api/v1/auth/login'))).toBe(true);
      for (const secret of ['log-admin-token-secret', PASSWORD, credential, code, code.replace('-', '')]) expect(log).not.toContain(secret);
    } finally {
      child.kill('SIGTERM');
    }
  }, 180_000);
});
