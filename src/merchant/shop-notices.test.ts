import { describe, expect, it } from 'vitest';
import type { MerchantRepository } from './merchant.repository.ts';
import { conditionsOf, noticeTexts, ShopNotices } from './shop-notices.ts';

const repo = {
  terminalDirectory: async () => [{ id: 't1', serial_number: 'SN-1', model_id: 'm', site_id: 's', site_name: 'Shop', merchant_id: 'mx', locale: 'en-GB' }],
} as unknown as MerchantRepository;

describe('notices to the shop', () => {
  it('reads what the staff fix from the printer, most urgent first', () => {
    expect(conditionsOf({ paper: 'out', coverOpen: true })).toEqual(['paper_out', 'cover_open']);
    expect(conditionsOf({ paper: 'low', coverOpen: false })).toEqual(['paper_low']);
    expect(conditionsOf({ paper: 'ok', coverOpen: false })).toEqual([]);
    expect(conditionsOf(undefined)).toEqual([]);
  });

  it('says when a forecast comes true, in both languages', () => {
    expect(noticeTexts('paper_running_out', 1.2)).toEqual({ 'zh-CN': '按目前的用量，打印纸将在明天用完，请备好新纸卷', en: 'At the current rate the paper roll runs out by tomorrow: have a new roll ready' });
    expect(noticeTexts('battery_wearing_out', 21).en).toContain('in about 21 days');
    expect(noticeTexts('card_slot_failing', null, { recentRate: 0.06 })['zh-CN']).toContain('6%');
  });

  it('keeps a condition from when it began, forgets it when fixed, and answers in the merchant\'s language', async () => {
    const notices = new ShopNotices(repo, () => new Date('2026-11-25T02:00:00.000Z'));
    await notices.refresh();
    await notices.observe([{ terminalId: 't1', printer: { paper: 'out', coverOpen: false }, receivedAt: '2026-11-25T01:00:00.000Z' }]);
    await notices.observe([{ terminalId: 't1', printer: { paper: 'out', coverOpen: true }, receivedAt: '2026-11-25T01:01:00.000Z' }]);
    await notices.setForecasts(new Map([['t1', [{ kind: 'paper_running_out', since: '2026-11-24T00:00:00.000Z', daysLeft: 0.5 }, { kind: 'battery_wearing_out', since: '2026-11-20T00:00:00.000Z', daysLeft: 20 }]]]));
    // An empty roll is told as out, not as running out today.
    expect(notices.of('t1')?.map((n) => [n.kind, n.since])).toEqual([
      ['paper_out', '2026-11-25T01:00:00.000Z'], ['cover_open', '2026-11-25T01:01:00.000Z'], ['battery_wearing_out', '2026-11-20T00:00:00.000Z'],
    ]);
    expect(notices.of('t1')?.[0]?.text).toBe('The printer is out of paper: put in a new roll');
    await notices.observe([{ terminalId: 't1', printer: { paper: 'ok', coverOpen: false }, receivedAt: '2026-11-25T01:02:00.000Z' }]);
    expect(notices.of('t1')?.map((n) => n.kind)).toEqual(['paper_running_out', 'battery_wearing_out']);
    expect((await notices.list({}, { kind: 'merchant', merchantId: 'other' }))).toEqual([]);
    expect((await notices.list({}, { kind: 'merchant', merchantId: 'mx' })).map((n) => [n.serialNumber, n.kind])).toEqual([['SN-1', 'paper_running_out'], ['SN-1', 'battery_wearing_out']]);
  });
});
