// The ways a notification leaves PosFleet: e-mail over SMTP (nodemailer), a signed JSON POST to a
// webhook, and a POST to a WeCom or DingTalk group robot.
// Each makes exactly one attempt and reports how it went; retrying is the service's business.
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import { bareHost, type NetworkPolicy } from '../shared/network-policy.ts';
import { robotAnswerError, robotUrl, type RobotKind } from './robots.ts';
import { ATTEMPT_HEADER, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhook } from './webhook-signature.ts';

export interface AttemptResult {
  ok: boolean;
  /** The receiver's HTTP status (webhooks), when it answered. */
  statusCode: number | null;
  error: string | null;
}

export interface MailToSend {
  to: string;
  subject: string;
  text: string;
  locale: string;
  /** Also the Message-ID, so a mail sent twice after a crash is recognisably the same mail. */
  deliveryId: string;
  event: string;
}

export interface Mailer {
  send(mail: MailToSend): Promise<AttemptResult>;
}

/** Sends through the SMTP server of `SMTP_URL` (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start). */
export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(url: string, private readonly from: string, timeoutMs = 30_000) {
    // One connection per message: notifications are few, and nothing is left open at shutdown.
    this.transport = createTransport({ url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  }

  async send(mail: MailToSend): Promise<AttemptResult> {
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: `<${mail.deliveryId}@posfleet>`,
        headers: { 'Content-Language': mail.locale, 'X-PosFleet-Delivery': mail.deliveryId, 'X-PosFleet-Event': mail.event },
      });
      if (info.rejected.length > 0) return { ok: false, statusCode: null, error: `rejected by the SMTP server: ${info.response}` };
      return { ok: true, statusCode: null, error: null };
    } catch (error) {
      return { ok: false, statusCode: null, error: errorText(error) };
    }
  }
}

/** Stands in when SMTP_URL is not set: e-mail deliveries fail visibly (and park) instead of vanishing. */
export const unconfiguredMailer: Mailer = {
  send: async () => ({ ok: false, statusCode: null, error: 'e-mail is not configured (set SMTP_URL)' }),
};

export interface WebhookToSend {
  url: string;
  secret: string;
  /** The exact bytes that are signed and sent. */
  body: string;
  deliveryId: string;
  event: string;
  attempt: number;
  /** Signing time: receivers compare it with their own clock to refuse replays. */
  at: Date;
}

export type WebhookPoster = (hook: WebhookToSend) => Promise<AttemptResult>;

export interface WebhookPosterOptions {
  timeoutMs: number;
  /** Which addresses a receiver may have (special-use ones only when an operator allowed them). */
  policy: NetworkPolicy;
  /** A host name's addresses; DNS (dns.lookup) unless a test stands in. */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

/** At most this much of a receiver's answer is read (a robot's errcode is in its first bytes). */
const ANSWER_BYTES = 4096;

export interface RobotToSend {
  kind: RobotKind;
  /** The stored address (with the robot's token). */
  address: string;
  /** DingTalk's signing secret; null when the robot does not sign. */
  secret: string | null;
  /** The robot's JSON, fixed when the notice was stored. */
  body: string;
  /** Signing time (DingTalk refuses a timestamp more than an hour off). */
  at: Date;
}

export type RobotPoster = (robot: RobotToSend) => Promise<AttemptResult>;

/** What came back from a POST that was made (the address passed the policy and answered in HTTP). */
type Exchange = { answered: true; statusCode: number; answer: string } | { answered: false; result: AttemptResult };

/**
 * Posts with node:http(s) to an address checked just before: the host name is resolved once, every
 * address it has is checked against the network policy, and the connection goes to those addresses
 * only (a DNS answer that changes between the check and the connection cannot slip a private address
 * in). Redirects are not followed.
 */
function checkedPoster(options: WebhookPosterOptions) {
  const resolve = options.resolve ?? ((hostname: string) => lookup(hostname, { all: true, verbatim: true }));
  return async (address: string, body: string, headers: Record<string, string>): Promise<Exchange> => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return failure('the address is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return failure('the address is not an http:// or https:// URL');
    const host = bareHost(url.hostname);
    try {
      const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await untilAborted(resolve(host), signal);
      for (const { address: ip } of addresses) {
        const refusal = options.policy.refusal(ip);
        if (refusal) return failure(`not sent: ${host} ${isIP(host) ? 'is' : 'resolves to'} ${refusal}`);
      }
      if (addresses.length === 0) return failure(`the host name ${host} has no address`);
      const { statusCode, answer } = await post(url, addresses, body, headers, signal);
      return { answered: true, statusCode, answer };
    } catch (error) {
      if (signal.aborted) return failure(`no answer within ${options.timeoutMs} ms`);
      return failure(connectionError(error, host));
    }
  };
}

/** Signed JSON to a webhook; of the answer only the status is kept (the text is someone else's). */
export function webhookPoster(options: WebhookPosterOptions): WebhookPoster {
  const postChecked = checkedPoster(options);
  return async (hook) => {
    const exchange = await postChecked(hook.url, hook.body, {
      'user-agent': 'PosFleet-Webhooks/1',
      [SIGNATURE_HEADER]: signWebhook(hook.secret, hook.body, hook.at),
      [DELIVERY_HEADER]: hook.deliveryId,
      [EVENT_HEADER]: hook.event,
      [ATTEMPT_HEADER]: String(hook.attempt),
    });
    if (!exchange.answered) return exchange.result;
    const { statusCode } = exchange;
    if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode, error: null };
    return { ok: false, statusCode, error: statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode}: redirects are not followed` : `HTTP ${statusCode}` };
  };
}

/** A WeCom or DingTalk group robot, through the same network policy: delivered only on HTTP 2xx with {"errcode":0}. */
export function robotPoster(options: WebhookPosterOptions): RobotPoster {
  const postChecked = checkedPoster(options);
  return async (robot) => {
    let url: string;
    try {
      url = robotUrl(robot.kind, robot.address, robot.secret, robot.at);
    } catch {
      return failure('the address is not a URL').result;
    }
    const exchange = await postChecked(url, robot.body, { 'user-agent': 'PosFleet-Robots/1' });
    if (!exchange.answered) return exchange.result;
    const { statusCode, answer } = exchange;
    if (statusCode < 200 || statusCode >= 300) {
      return { ok: false, statusCode, error: statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode}: redirects are not followed` : `HTTP ${statusCode}` };
    }
    const error = robotAnswerError(answer);
    return { ok: error === null, statusCode, error };
  };
}

const failure = (error: string) => ({ answered: false as const, result: { ok: false, statusCode: null, error } });

function post(url: URL, addresses: { address: string; family: number }[], body: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ statusCode: number; answer: string }> {
  // The connection may only go where the check allowed: node asks this instead of DNS.
  const pinned = ((_hostname: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (opts.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  }) as unknown as RequestOptions['lookup'];
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)({
      hostname: bareHost(url.hostname), port: url.port || undefined, path: `${url.pathname}${url.search}`, method: 'POST',
      agent: false, signal, lookup: pinned,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers },
    }, (response) => {
      const statusCode = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let read = 0;
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        resolve({ statusCode, answer: Buffer.concat(chunks).toString('utf8').slice(0, ANSWER_BYTES) });
        response.destroy();
      };
      response.on('data', (chunk: Buffer) => {
        if (read < ANSWER_BYTES) chunks.push(chunk);
        read += chunk.length;
        if (read > ANSWER_BYTES) done();
      });
      response.on('end', done);
      response.on('error', done); // the status has arrived: that is the answer
    });
    request.on('error', reject);
    request.end(body);
  });
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** Why a connection failed, in our words: never the receiver's, and no more of the network than the URL shows. */
function connectionError(error: unknown, host: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED': return 'the receiver refused the connection';
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': case 'ENODATA': return `the host name ${host} could not be resolved`;
    case 'ECONNRESET': case 'EPIPE': return 'the connection was closed before an answer';
    case 'EHOSTUNREACH': case 'ENETUNREACH': case 'ETIMEDOUT': return 'the receiver cannot be reached';
    case 'HPE_INVALID_CONSTANT': case 'HPE_INVALID_STATUS': case 'HPE_INVALID_HEADER_TOKEN': return 'the receiver did not answer in HTTP';
    default:
      if (typeof code === 'string' && /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(code)) return `the TLS connection failed (${code})`;
      return 'the request failed';
  }
}

/** An SMTP failure, as nodemailer tells it (the operator's own mail server). */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
