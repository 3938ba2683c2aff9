// The two ways a notification leaves PosFleet: e-mail over SMTP (nodemailer) and a signed JSON POST.
// Each makes exactly one attempt and reports how it went; retrying is the service's business.
import { createTransport } from 'nodemailer';
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

/** Receivers' answers are kept only this long in the attempt log. */
const EXCERPT_CHARS = 200;

export function webhookPoster(timeoutMs: number): WebhookPoster {
  return async (hook) => {
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        body: hook.body,
        // A redirect is an answer, not a success: following it would send the payload somewhere unreviewed.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'PosFleet-Webhooks/1',
          [SIGNATURE_HEADER]: signWebhook(hook.secret, hook.body, hook.at),
          [DELIVERY_HEADER]: hook.deliveryId,
          [EVENT_HEADER]: hook.event,
          [ATTEMPT_HEADER]: String(hook.attempt),
        },
      });
      const answer = (await response.text()).slice(0, EXCERPT_CHARS);
      if (response.status >= 200 && response.status < 300) return { ok: true, statusCode: response.status, error: null };
      return { ok: false, statusCode: response.status, error: `HTTP ${response.status}${answer ? `: ${answer}` : ''}` };
    } catch (error) {
      if (error instanceof DOMException && error.name === 'TimeoutError') return { ok: false, statusCode: null, error: `no answer within ${timeoutMs} ms` };
      return { ok: false, statusCode: null, error: errorText(error) };
    }
  };
}

/** fetch reports "fetch failed" and hides the reason (refused, DNS, TLS) in `cause`. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
