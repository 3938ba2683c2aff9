// The error catalogue, as maintenance, preventive maintenance, work orders and KPIs speak it: one refusal of
// each capability, answered through the HTTP API in the account's language (the bootstrap admin's is zh-CN)
// with its stable key and parameters beside the message. Storage does not matter here: SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEstate, buildTerminal, startTestApp, type TestApp } from './support/app.ts';
import { databases } from './support/databases.ts';

describe('maintenance capabilities answer in the caller\'s language', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(await databases()[0]!.fresh()); });
  afterAll(() => t.close());

  it('says a terminal already has a maintenance job by its serial number and the job\'s state in Chinese, not by ids', async () => {
    const terminal = await buildTerminal(t, await buildEstate(t));
    const job = { terminalIds: [terminal.id], work: ['update'], reason: 'app 3.3', plannedStart: '2099-01-01T02:00:00.000Z' };
    expect((await t.api('POST', '/api/v1/maintenance/jobs', job)).statusCode).toBe(201);
    const again = await t.api('POST', '/api/v1/maintenance/jobs', job);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'conflict', field: 'terminalIds', key: 'maintenance.terminal_has_job', params: { serial: terminal.serialNumber, state: 'scheduled' },
      message: `终端 ${terminal.serialNumber} 已有一个维护任务（已计划）。`,
    });
  });

  it('says a work order cannot skip to done, with its statuses in Chinese, as a final conflict', async () => {
    const { site } = await buildEstate(t);
    const created = await t.api('POST', '/api/v1/work-orders', { title: 'Printer jams', siteId: site.id });
    expect(created.statusCode, created.body).toBe(201);
    const res = await t.api('POST', `/api/v1/work-orders/${created.json().id}/status`, { to: 'done' }, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'conflict', field: 'to', key: 'work_orders.cannot_move', params: { from: 'open', to: 'done' }, retryable: false, message: '此工单不能从待派工改为已完成。',
    });
  });

  it('says a preventive template code is taken, naming the field', async () => {
    const body = {
      code: `kiosk-${process.pid}`, name: { 'zh-CN': '户外终端检查', en: 'Outdoor kiosk check' }, intervalDays: 14,
      tasks: [{ code: 'seal', name: { 'zh-CN': '防水检查', en: 'Weatherproofing' }, performer: 'technician', skill: 'hardware', checklist: [{ code: 'gasket', text: { 'zh-CN': '检查密封圈', en: 'Check the gasket' }, required: true }] }],
    };
    expect((await t.api('POST', '/api/v1/preventive/templates', body)).statusCode).toBe(201);
    const again = await t.api('POST', '/api/v1/preventive/templates', body);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'conflict', field: 'code', key: 'preventive.template_code_taken', retryable: false, message: `编号为 ${body.code} 的模板已存在。` });
  });

  it('says a KPI period that ends before it starts is wrong, naming the field', async () => {
    const res = await t.api('GET', '/api/v1/kpis?from=2026-03-02T00:00:00.000Z&to=2026-03-01T00:00:00.000Z');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_error', field: 'from', key: 'common.from_before_to', message: '开始时间必须早于结束时间。' });
  });
});
