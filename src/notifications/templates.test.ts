import { describe, expect, it } from 'vitest';
import { dateTime, LISTED_IN_DIGEST, renderDigest, renderMessage } from './templates.ts';

const shanghai = { locale: 'zh-CN', timeZone: 'Asia/Shanghai', siteName: '人民广场店', merchantName: '青柠茶饮' } as const;
const london = { locale: 'en', timeZone: 'Europe/London', siteName: 'Covent Garden', merchantName: 'Lime Tea' } as const;

describe('message templates', () => {
  it('announces maintenance in Chinese with the times of the site', () => {
    // 18:00 UTC is 02:00 the next day in Shanghai.
    const message = renderMessage('maintenance.announced', {
      terminals: ['PAX-001', 'PAX-002'], start: '2026-11-25T18:00:00.000Z', expectedEnd: '2026-11-25T18:30:00.000Z', reason: '软件更新 3.2.1',
    }, shanghai);
    expect(message.subject).toBe('【维护通知】人民广场店 11月26日 02:00 终端维护');
    expect(message.text.split('\n')).toEqual([
      '【维护通知】门店 人民广场店 的 2 台终端将于 11月26日 02:00 进入维护（功能维护中），预计 02:30 恢复。',
      '原因：软件更新 3.2.1',
      '终端：PAX-001、PAX-002',
      '维护期间终端显示“功能维护中”，暂停受理交易。',
    ]);
  });

  it('announces maintenance in English with the times of the site', () => {
    const message = renderMessage('maintenance.announced', {
      terminals: ['PAX-101', 'PAX-102'], start: '2026-11-26T02:00:00.000Z', expectedEnd: '2026-11-26T02:30:00.000Z',
    }, london);
    expect(message.subject).toBe('Maintenance notice: Covent Garden, 26 Nov 02:00');
    expect(message.text.split('\n')[0]).toBe('Maintenance notice: 2 terminals at Covent Garden go into maintenance on 26 Nov 02:00, back by 02:30.');
  });

  it('names a single terminal and gives the date of an end on another day', () => {
    const en = renderMessage('maintenance.announced', {
      terminals: ['PAX-7'], start: '2026-07-01T22:30:00.000Z', expectedEnd: '2026-07-02T00:30:00.000Z',
    }, london);
    // Summer time: London is UTC+1, so the work runs from 23:30 to 01:30 the next day.
    expect(en.text.split('\n')[0]).toBe('Maintenance notice: terminal PAX-7 at Covent Garden goes into maintenance on 1 Jul 23:30, back by 2 Jul 01:30.');
    const zh = renderMessage('maintenance.announced', {
      terminals: ['PAX-7'], start: '2026-07-01T15:30:00.000Z', expectedEnd: '2026-07-01T16:30:00.000Z',
    }, shanghai);
    expect(zh.text.split('\n')[0]).toBe('【维护通知】门店 人民广场店 的终端 PAX-7 将于 7月1日 23:30 进入维护（功能维护中），预计 7月2日 00:30 恢复。');
  });

  it('tells when maintenance completed or failed, and what happened next', () => {
    const done = renderMessage('maintenance.completed', { terminals: ['A1', 'A2', 'A3'], completedAt: '2026-11-25T18:24:00.000Z' }, shanghai);
    expect(done.text.split('\n')[0]).toBe('【维护完成】门店 人民广场店 的 3 台终端已于 11月26日 02:24 完成维护，恢复正常交易。');
    expect(done.subject).toBe('【维护完成】人民广场店 终端已恢复交易');

    const failedEn = renderMessage('maintenance.failed', {
      terminals: ['PAX-7'], failedAt: '2026-11-26T02:24:00.000Z', reason: 'self-test failed: printer', outcome: 'rolled_back',
    }, london);
    expect(failedEn.text).toBe([
      'Maintenance failed: terminal PAX-7 at Covent Garden did not finish maintenance (26 Nov 02:24).',
      'Reason: self-test failed: printer',
      'It was rolled back to the version before maintenance and takes payments again.',
    ].join('\n'));

    const failedZh = renderMessage('maintenance.failed', { terminals: ['A1', 'A2'], failedAt: '2026-11-25T18:24:00.000Z', outcome: 'handed_to_technician' }, shanghai);
    expect(failedZh.text).toContain('已安排技术员处理。');
  });

  it('tells operators why a rollout halted itself, with its figures', () => {
    const data = {
      campaignId: 'c-1', name: 'Pay app spring', package: 'pay-app 3.3.0', wave: 1, kind: 'payments' as const,
      reason: 'card-read failure rate 18.2 % against 1.1 % (z = 9.4)', haltedAt: '2026-11-25T18:00:00.000Z',
    };
    const zh = renderMessage('campaign.halted', data, { locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
    expect(zh.subject).toBe('【灰度发布已叫停】Pay app spring（pay-app 3.3.0）');
    expect(zh.text.split('\n')[0]).toBe('【灰度发布已叫停】灰度发布“Pay app spring”（pay-app 3.3.0）在第 1 批于 11月26日 02:00 自动停止：升级后终端的交易指标变差。');
    // Given the catalogue's sentence, a Chinese reader gets the figures in Chinese, not the server's English.
    const said = { reasonKey: 'rollouts.halt.installs', reasonParams: { failed: '2', attempted: '8', wave: '1', rate: '25.0 %', max: '10.0 %' } };
    expect(renderMessage('campaign.halted', { ...data, kind: 'installs', ...said }, { locale: 'zh-CN', timeZone: 'Asia/Shanghai' }).text.split('\n')[1])
      .toBe('数据：第 1 批的 8 次安装中有 2 次失败（25.0 %），超过允许的 10.0 %');
    const en = renderMessage('campaign.halted', { ...data, kind: 'installs' }, { locale: 'en', timeZone: 'Europe/London' });
    expect(en.text.split('\n')).toEqual([
      'Rollout "Pay app spring" (pay-app 3.3.0) halted itself in wave 1 at 25 Nov 18:00: too many installs failed.',
      'Figures: card-read failure rate 18.2 % against 1.1 % (z = 9.4)', 'Campaign: c-1',
    ]);
  });

  it('shortens long lists of terminals but keeps the count', () => {
    const serials = Array.from({ length: 12 }, (_, i) => `SN-${i + 1}`);
    const message = renderMessage('maintenance.completed', { terminals: serials, completedAt: '2026-11-26T02:00:00.000Z' }, london);
    expect(message.text).toContain('12 terminals at Covent Garden are back in service');
    expect(message.text).toContain('Terminals: SN-1, SN-2, SN-3, SN-4, SN-5, SN-6, SN-7, SN-8, SN-9, SN-10 and 2 more');
  });

  it('falls back to the merchant when no site is named', () => {
    const message = renderMessage('maintenance.completed', { terminals: ['A1', 'A2'], completedAt: '2026-11-25T18:24:00.000Z' }, { ...shanghai, siteName: undefined });
    expect(message.text.split('\n')[0]).toBe('【维护完成】商户 青柠茶饮 的 2 台终端已于 11月26日 02:24 完成维护，恢复正常交易。');
  });

  it('formats a moment in the time zone it is given', () => {
    expect(dateTime('2026-11-25T18:00:00.000Z', { locale: 'zh-CN', timeZone: 'Asia/Shanghai' })).toBe('11月26日 02:00');
    expect(dateTime('2026-11-25T18:00:00.000Z', { locale: 'en', timeZone: 'Europe/London' })).toBe('25 Nov 18:00');
  });
});

describe('digests', () => {
  const item = (i: number, event = 'incident.reminder') => ({ event, subject: `Still unresolved: Offline, Shop ${i}`, createdAt: `2026-11-25T15:${String(i % 60).padStart(2, '0')}:00.000Z` });

  it('lists the first ten held notices and counts the rest ("and 37 more incidents")', () => {
    const items = [item(0, 'incident.opened'), ...Array.from({ length: 46 }, (_, i) => item(i + 1))];
    const digest = renderDigest(items, ['rate_limit'], { locale: 'en', timeZone: 'Asia/Shanghai' });
    expect(digest.subject).toBe('Digest: 47 notices held over the rate limit');
    const text = digest.text.split('\n');
    expect(text[0]).toBe('Digest: 47 notices were held over the rate limit: 46 × still unresolved, 1 × alert.');
    expect(text[1]).toBe('- 25 Nov 23:00 Still unresolved: Offline, Shop 0');
    expect(text).toHaveLength(1 + LISTED_IN_DIGEST + 1);
    expect(text.at(-1)).toBe('…and 37 more incidents.');
  });

  it('speaks Chinese, and names quiet hours', () => {
    const digest = renderDigest([item(1), { event: 'maintenance.completed', subject: '【维护完成】人民广场店 终端已恢复交易', createdAt: '2026-11-25T16:00:00.000Z' }], ['quiet_hours'], { locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
    expect(digest.subject).toBe('【通知汇总】静默时段内的 2 条通知');
    expect(digest.text.split('\n')).toEqual([
      '【通知汇总】静默时段内暂缓发送了 2 条通知：故障仍未恢复 1 条，维护完成 1 条。',
      '- 11月25日 23:01 Still unresolved: Offline, Shop 1',
      '- 11月26日 00:00 【维护完成】人民广场店 终端已恢复交易',
    ]);
  });
});
