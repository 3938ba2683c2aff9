// Group robots of the chat apps Chinese merchants live in: WeCom (企业微信) and DingTalk (钉钉).
// Both take a JSON POST to an address that carries the robot's token (WeCom `?key=`, DingTalk
// `?access_token=`) and answer HTTP 200 with {"errcode":0} when the message reached the group; any
// other errcode is a refusal. DingTalk robots set to "加签" also want `&timestamp=<ms>&sign=<…>`:
// HMAC-SHA256 of "<timestamp>\n<secret>" keyed with the secret, in base64, URL-encoded, within an hour
// of DingTalk's clock. Pure functions: what is sent, where, and whether the answer means delivered.
import { createHmac } from 'node:crypto';
import type { Message } from './templates.ts';

export const ROBOT_KINDS = ['wecom', 'dingtalk'] as const;
export type RobotKind = (typeof ROBOT_KINDS)[number];

export const isRobotKind = (kind: string): kind is RobotKind => (ROBOT_KINDS as readonly string[]).includes(kind);

/** The query parameter that holds each robot's token (its address is a credential). */
export const ROBOT_TOKEN_PARAM: Record<RobotKind, string> = { wecom: 'key', dingtalk: 'access_token' };

/** WeCom refuses markdown content over 4096 bytes; DingTalk allows more, but a notice is never that long. */
const WECOM_MARKDOWN_BYTES = 4096;
const DINGTALK_MARKDOWN_BYTES = 18_000;

/**
 * The JSON a robot receives for a message: markdown, the subject as a heading and each line of the
 * text its own paragraph (DingTalk's markdown joins single line breaks).
 */
export function robotBody(kind: RobotKind, message: Message): string {
  const heading = `### ${oneLine(message.subject)}`;
  if (kind === 'wecom') {
    return JSON.stringify({ msgtype: 'markdown', markdown: { content: cutBytes(`${heading}\n${message.text}`, WECOM_MARKDOWN_BYTES) } });
  }
  const text = [heading, ...message.text.split('\n').filter((l) => l.trim() !== '')].join('\n\n');
  return JSON.stringify({ msgtype: 'markdown', markdown: { title: oneLine(message.subject), text: cutBytes(text, DINGTALK_MARKDOWN_BYTES) } });
}

/** DingTalk's signature of a timestamp (ms): base64 of HMAC-SHA256("<timestamp>\n<secret>", secret), not yet URL-encoded. */
export function dingTalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** Where to POST: the stored address, with DingTalk's timestamp and signature added when the robot signs. */
export function robotUrl(kind: RobotKind, address: string, secret: string | null, at: Date): string {
  if (kind !== 'dingtalk' || !secret) return address;
  const url = new URL(address);
  const timestamp = at.getTime();
  url.searchParams.set('timestamp', String(timestamp));
  url.searchParams.set('sign', dingTalkSign(secret, timestamp)); // URLSearchParams does the URL-encoding
  return url.toString();
}

/** Why a robot's address is unusable (a catalogue key and its parameters), or null. (The network policy is checked apart.) */
export function robotAddressProblem(kind: RobotKind, url: URL): { key: 'notification.robot_address_token' | 'notification.robot_address_signed'; params: { kind: RobotKind } } | null {
  if (!url.searchParams.get(ROBOT_TOKEN_PARAM[kind])) return { key: 'notification.robot_address_token', params: { kind } };
  if (kind === 'dingtalk' && (url.searchParams.has('timestamp') || url.searchParams.has('sign'))) {
    return { key: 'notification.robot_address_signed', params: { kind } };
  }
  return null;
}

/** The address as the API shows it: the token cut to its first 4 characters (it lets anyone post to the group). */
export function maskRobotAddress(kind: RobotKind, address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return address;
  }
  const param = ROBOT_TOKEN_PARAM[kind];
  const token = url.searchParams.get(param);
  if (!token) return address;
  url.searchParams.set(param, `${token.slice(0, 4)}…`);
  return url.toString().replace(encodeURIComponent('…'), '…');
}

/**
 * Whether a robot's answer means delivered: HTTP 2xx and {"errcode":0}. A refusal names the errcode
 * and a short, cleaned errmsg (e.g. "sign not match", "invalid webhook url"): the operator needs it
 * to fix the channel.
 */
export function robotAnswerError(answer: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer);
  } catch {
    return 'the robot did not answer with JSON';
  }
  const errcode = (parsed as { errcode?: unknown } | null)?.errcode;
  if (errcode === 0) return null;
  if (typeof errcode !== 'number') return 'the robot\'s answer has no errcode';
  const errmsg = (parsed as { errmsg?: unknown }).errmsg;
  const detail = typeof errmsg === 'string' ? errmsg.replace(/[^\p{L}\p{N} .,:;_'()-]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 120) : '';
  return `the robot refused the message: errcode ${errcode}${detail ? ` (${detail})` : ''}`;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** At most `max` UTF-8 bytes, cut at a character boundary. */
function cutBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > max - 3) break;
    out += ch;
    bytes += size;
  }
  return `${out}…`;
}
