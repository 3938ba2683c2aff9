import { describe, expect, it } from 'vitest';
import { maskRobotAddress, robotAnswerError, robotBody, robotUrl } from './robots.ts';

describe('group robots', () => {
  it('signs a DingTalk address with the timestamp in ms and the URL-encoded signature, and leaves WeCom\'s alone', () => {
    const at = new Date('2026-11-25T10:00:00.000Z');
    const url = new URL(robotUrl('dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=abc', 'SECsecret', at));
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe(String(at.getTime()));
    expect(url.search).not.toMatch(/sign=[^&]*[+/=]/); // base64's +, / and = are encoded
    expect(robotUrl('wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', null, at)).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k');
  });

  it('keeps a WeCom markdown message within its 4096 bytes, cut at a character', () => {
    const body = JSON.parse(robotBody('wecom', { subject: '维护', text: '终'.repeat(3000) })) as { markdown: { content: string } };
    expect(Buffer.byteLength(body.markdown.content)).toBeLessThanOrEqual(4096);
    expect(body.markdown.content.endsWith('终…')).toBe(true);
  });

  it('shows only the first 4 characters of a robot\'s token', () => {
    expect(maskRobotAddress('wecom', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx')).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…');
  });

  it('counts only errcode 0 as delivered', () => {
    expect(robotAnswerError('{"errcode":0,"errmsg":"ok"}')).toBeNull();
    expect(robotAnswerError('{"errcode":310000,"errmsg":"sign not match, more: <script>"}')).toBe('the robot refused the message: errcode 310000 (sign not match, more: script)');
    expect(robotAnswerError('<html>')).toBe('the robot did not answer with JSON');
    expect(robotAnswerError('{"ok":true}')).toBe('the robot\'s answer has no errcode');
  });
});
