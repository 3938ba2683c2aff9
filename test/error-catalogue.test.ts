// The error catalogue: every message a person can read has a stable key in zh-CN and en (ICU format, one
// file per language), and the API answers in the caller's language — the account's, else Accept-Language —
// with the code and key beside the message, telling a final conflict from one worth retrying.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argumentsOf, CATALOGUES, formatMessage, localeFromHeader } from '../src/shared/messages/format.ts';
import { startTestApp, buildEstate, buildTerminal, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';


describe('the error catalogue', () => {
  it('has every key in both languages, with the same parameters', () => {
    const en = CATALOGUES.en;
    const zh = CATALOGUES['zh-CN'];
    expect(Object.keys(en).filter((k) => !(k in zh)), 'missing in zh-CN').toEqual([]);
    expect(Object.keys(zh).filter((k) => !(k in en)), 'missing in en').toEqual([]);
    for (const key of Object.keys(en)) expect(argumentsOf(zh[key]!), key).toEqual(argumentsOf(en[key]!));
  });

  it('formats plurals and selections in each language', () => {
    expect(formatMessage('zh-CN', 'maintenance.job_state_conflict', { state: 'aborted', to: 'aborted' })).toBe('该任务已取消，无法再取消。');
    expect(formatMessage('en', 'maintenance.job_state_conflict', { state: 'aborted', to: 'aborted' })).toBe('This maintenance job was cancelled: it cannot be cancelled any more.');
    expect(formatMessage('en', 'maintenance.window_has_jobs', { count: 1 })).toContain('one planned job');
    expect(formatMessage('en', 'maintenance.window_has_jobs', { count: 3 })).toContain('3 planned jobs');
    expect(formatMessage('en', 'no.such.key')).toBeNull();
  });

  it('reads Accept-Language with its preferences', () => {
    expect(localeFromHeader('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(localeFromHeader('en-GB,en;q=0.9')).toBe('en');
    expect(localeFromHeader('fr-FR, en;q=0.5, zh;q=0.7')).toBe('zh-CN');
    expect(localeFromHeader('fr')).toBeNull();
  });
});

describe.each(databases())('errors in the caller\'s language on $name', (kind) => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(await kind.fresh()); });
  afterAll(() => t.close());

  it('answers a failed sign-in in the browser\'s language', async () => {
    const login = (language: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'accept-language': language }, payload: { email: 'nobody@example.com', password: 'whatever 123' } });
    expect((await login('zh-CN,zh;q=0.9')).json().error).toMatchObject({ code: 'unauthenticated', key: 'auth.wrong_credentials', message: '邮箱或密码错误。' });
    expect((await login('en-US')).json().error).toMatchObject({ code: 'unauthenticated', message: 'Wrong e-mail or password.' });
  });

  it('says a cancelled job cannot be cancelled again in the account\'s language, as a final conflict', async () => {
    const estate = await buildEstate(t);
    const terminal = await buildTerminal(t, estate);
    const started = await t.api('POST', '/api/v1/maintenance/jobs', { terminalIds: [terminal.id], work: ['update'], reason: 'test' });
    expect(started.statusCode, started.body).toBe(201);
    const jobId = (started.json() as { items?: { id: string }[]; id?: string }).items?.[0]?.id ?? started.json().id;
    expect((await t.api('POST', `/api/v1/maintenance/jobs/${jobId}/abort`, { note: 'first' })).statusCode).toBe(200);
    // The bootstrap admin's account is zh-CN: its language wins over the header.
    const again = await t.api('POST', `/api/v1/maintenance/jobs/${jobId}/abort`, { note: 'again' }, { 'accept-language': 'en' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'conflict', key: 'maintenance.job_state_conflict', message: '该任务已取消，无法再取消。', retryable: false });
    expect(again.json().error.message).not.toMatch(/[0-9a-f]{8}-/);
  });
});
