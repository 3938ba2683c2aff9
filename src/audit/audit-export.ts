// The audit export's two formats, as streams fed a page of entries at a time: PCI DSS evidence may
// span millions of entries, so nothing holds more than a page. A read that fails midway destroys the
// stream, and the client sees a broken transfer rather than a file that looks complete.
import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { csvSafe } from '../shared/patterns.ts';
import type { AuditEntry } from './audit.service.ts';

const COLUMNS = ['seq', 'at', 'actorType', 'actorId', 'actorName', 'action', 'objectType', 'objectId', 'outcome', 'sourceIp', 'requestId', 'details', 'hash'] as const;

const cell = (value: unknown) => csvSafe(typeof value === 'string' ? value : value === null ? '' : JSON.stringify(value));

/** One CSV row per entry, after a header row. */
export function auditCsv(pages: AsyncIterable<AuditEntry[]>): Readable {
  async function* rows() {
    for await (const page of pages) for (const entry of page) yield COLUMNS.map((c) => cell(entry[c]));
  }
  // The error, if any, reaches the returned stream (pipeline destroys it with it): nothing to do here.
  return pipeline(Readable.from(rows()), stringify({ header: true, columns: [...COLUMNS] }), () => {});
}

/** A JSON array of the entries. */
export function auditJson(pages: AsyncIterable<AuditEntry[]>): Readable {
  return Readable.from((async function* () {
    yield '[';
    let first = true;
    for await (const page of pages) {
      if (page.length === 0) continue;
      yield `${first ? '' : ','}${page.map((entry) => JSON.stringify(entry)).join(',')}`;
      first = false;
    }
    yield ']';
  })(), { objectMode: false });
}
