// The test message an operator sends to a channel from Settings, to see that the address works before
// a real event needs it: sent at once (no quiet hours, no rate limit, no retries) and not kept as a delivery.
import { randomUUID } from 'node:crypto';
import type { NotificationLocale } from './notification-events.ts';

export const TEST_EVENT = 'channel.test';

const TEXT: Record<NotificationLocale, { subject: string; text: string }> = {
  'zh-CN': { subject: 'PosFleet 测试通知', text: '这是一条来自 PosFleet 的测试通知：此通知渠道可以收到消息。无需任何操作。' },
  en: { subject: 'PosFleet test notification', text: 'This is a test notification from PosFleet: this channel receives messages. Nothing needs doing.' },
};

export function testMessage(locale: NotificationLocale, channel: { id: string; merchantId: string | null }, at: Date) {
  const id = `test-${randomUUID()}`;
  const { subject, text } = TEXT[locale];
  const body = JSON.stringify({ id, event: TEST_EVENT, merchantId: channel.merchantId, siteId: null, locale, at: at.toISOString(), message: { subject, text }, data: { channelId: channel.id } });
  return { id, subject, text, body };
}
