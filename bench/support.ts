// Helpers shared by the load benches (not by the server child, server-process.ts, which runs on import).
import type { Request } from 'autocannon';
import { heartbeatReport } from '../test/support/app.ts';

/**
 * Heartbeat n goes to terminal n % T with seq ⌊n / T⌋ + `firstSeq`: every request is a new heartbeat,
 * never a duplicate (seqs below `firstSeq` are those the bench's setup already sent).
 */
export function heartbeatRequests(credentials: string[], firstSeq: number): Request[] {
  let n = 0;
  const headers = credentials.map((c) => ({ authorization: `Bearer ${c}`, 'content-type': 'application/json' }));
  // The report the tests send, without seq and sentAt (each request gets its own).
  const { seq: _seq, sentAt: _sentAt, ...report } = heartbeatReport(0);
  const rest = JSON.stringify(report).slice(1);
  return [{
    method: 'POST', path: '/device/v1/heartbeat',
    setupRequest: (req) => {
      const i = n++;
      req.headers = { ...headers[i % headers.length] };
      req.body = `{"seq":${Math.floor(i / headers.length) + firstSeq},"sentAt":"${new Date().toISOString()}",${rest}`;
      return req;
    },
  }];
}
