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

describe.each(databases())('the shared refusals in the caller\'s language on $name', (kind) => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(await kind.fresh()); });
  afterAll(() => t.close());
  const login = (language: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'accept-language': language }, payload: payload as Record<string, unknown> });

  it('says a schema violation in zh-CN and in English, naming the same field with the same code', async () => {
    const zh = await login('zh-CN,zh;q=0.9', { email: 'nobody@example.com', password: 5 });
    expect(zh.statusCode).toBe(400);
    expect(zh.json().error).toMatchObject({ code: 'validation_error', field: 'password', message: '字段 password：应当是 string 类型' });
    const en = await login('en-US', { email: 'nobody@example.com', password: 5 });
    expect(en.json().error).toMatchObject({ code: 'validation_error', field: 'password', message: 'password: must be string' });

    const unknownZh = await login('zh-CN', { email: 'nobody@example.com', password: 'whatever 123', remember: true });
    expect(unknownZh.json().error).toMatchObject({ code: 'validation_error', field: 'remember', key: 'common.unknown_field', message: '请求中没有名为 remember 的字段。' });
    const unknownEn = await login('en', { email: 'nobody@example.com', password: 'whatever 123', remember: true });
    expect(unknownEn.json().error).toMatchObject({ code: 'validation_error', field: 'remember', key: 'common.unknown_field', message: 'remember: is not a known field' });
  });

  it('says a malformed time in the account\'s language (the bootstrap admin reads zh-CN)', async () => {
    const res = await t.api('GET', '/api/v1/audit?from=2026-02-30T00:00:00Z');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_error', field: 'from', key: 'common.invalid_instant', params: { field: 'from', problem: 'format' } });
    expect(res.json().error.message).toMatch(/^字段 from：须为带 Z 或时区偏移的日期时间/);
  });

  it('says what does not exist in Chinese, with the noun translated', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const res = await t.api('GET', `/api/v1/terminals/${id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found', key: 'common.not_found', params: { what: 'terminal', id }, message: `终端 ${id} 不存在。` });
    // The English text is what it always was (logs and scripts read it).
    expect(formatMessage('en', 'common.not_found', { what: 'maintenance_job', id: 'x' })).toBe('maintenance job x does not exist');
    expect(formatMessage('zh-CN', 'common.not_found', { what: 'maintenance_job', id: 'x' })).toBe('维护任务 x 不存在。');
  });

  it('says a refused publisher key in Chinese (rollouts)', async () => {
    const res = await t.api('POST', '/api/v1/publisher-keys', { name: 'junk', publicKey: 'not a key' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_error', field: 'publicKey', key: 'rollouts.public_key_invalid', params: { problem: 'not_pem' }, message: '这不是 PEM 格式的公钥。' });
  });

  it('says a refused enrolment code in Chinese (device)', async () => {
    const res = await t.api('POST', '/api/v1/enrolment-codes', { serialNumber: 'NO-SUCH-SERIAL' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_error', field: 'serialNumber', key: 'device.serial_unknown', message: '没有登记序列号为 NO-SUCH-SERIAL 的终端。' });
  });

  it('says a hawkBit device without a target token in the language it asks for (ddi)', async () => {
    const ask = (language: string) => t.app.inject({ method: 'GET', url: '/DEFAULT/controller/v1/SOME-SERIAL', headers: { 'accept-language': language } });
    expect((await ask('zh-CN')).json().error).toMatchObject({ code: 'unauthenticated', key: 'ddi.target_token_required', message: '需要目标令牌：Authorization: TargetToken <终端凭证>' });
    expect((await ask('en')).json().error.message).toBe('a target token is required: Authorization: TargetToken <terminal credential>');
  });

  it('says a care report period that ends before it starts in Chinese (merchant)', async () => {
    const res = await t.api('GET', '/api/v1/care/report?from=2026-12-10T00:00:00Z&to=2026-12-01T00:00:00Z');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_error', field: 'from', key: 'common.from_before_to', message: '开始时间必须早于结束时间。' });
  });

  it('says an unknown route, a NUL in the address and a wrong media type in the caller\'s language', async () => {
    const route = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-thing', headers: { 'accept-language': 'zh-CN' } });
    expect(route.json().error).toMatchObject({ code: 'not_found', key: 'common.route_not_found', message: '没有此接口：GET /api/v1/no-such-thing' });
    const nul = await t.app.inject({ method: 'GET', url: '/api/v1/terminals?q=a%00b', headers: { 'accept-language': 'zh-CN' } });
    expect(nul.json().error).toMatchObject({ code: 'validation_error', field: 'url', key: 'common.url_nul', message: '地址中不能含有 NUL 字符。' });
    const asXml = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'accept-language': 'zh-CN', 'content-type': 'application/xml' }, payload: '<login/>' });
    expect(asXml.statusCode).toBe(415);
    expect(asXml.json().error).toMatchObject({ code: 'unsupported_media_type', key: 'common.unsupported_media_type', message: '不支持此内容类型：application/xml' });
  });
});
