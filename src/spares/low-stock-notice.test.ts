import { describe, expect, it } from 'vitest';
import { renderMessage } from '../notifications/templates.ts';

describe('the low-stock notice', () => {
  const data = { partId: 'p-1', sku: 'HEAD-1', name: 'Printer head', depot: 'SH-DEPOT', quantity: 1, minimum: 3, since: '2026-11-25T18:30:00.000Z' };

  it('tells operators in Chinese which part ran short where, and when in the local time', () => {
    const zh = renderMessage('sparepart.low_stock', data, { locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
    expect(zh.subject).toBe('【备件库存不足】SH-DEPOT Printer head（HEAD-1）');
    expect(zh.text).toContain('仓库 SH-DEPOT 的备件“Printer head”（HEAD-1）于 11月26日 02:30 降至 1 件，低于最低库存 3 件');
  });

  it('says the same in English', () => {
    const en = renderMessage('sparepart.low_stock', data, { locale: 'en', timeZone: 'Europe/London' });
    expect(en.subject).toBe('Low stock: Printer head (HEAD-1) at SH-DEPOT');
    expect(en.text).toContain('fell to 1 on 25 Nov 18:30, below its minimum of 3. Please restock.');
  });
});
