import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { auditCsv, auditJson } from './audit-export.ts';
import type { AuditEntry } from './audit.service.ts';

const entry = (seq: number): AuditEntry => ({
  seq, at: '2026-03-01T00:00:00.000Z', actorType: 'user', actorId: 'u1', actorName: '=cmd|x', action: 'POST /api/v1/merchants', objectType: 'merchants',
  objectId: null, outcome: 'success', sourceIp: '127.0.0.1', requestId: 'r', details: { status: 201 }, hash: `h${seq}`,
});
async function* pages(...sizes: number[]) {
  let seq = 0;
  for (const size of sizes) yield Array.from({ length: size }, () => entry(++seq));
}
async function* failing() {
  yield [entry(1)];
  throw new Error('connection terminated');
}

describe('the audit export formats', () => {
  it('writes one CSV row per entry across pages, cells safe for spreadsheets', async () => {
    const lines = (await text(auditCsv(pages(2, 0, 1)))).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`1,2026-03-01T00:00:00.000Z,user,u1,'=cmd|x,POST /api/v1/merchants,merchants,,success,127.0.0.1,r,"{""status"":201}",h1`);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2', '3']);
  });

  it('writes one JSON array across pages', async () => {
    expect((JSON.parse(await text(auditJson(pages(2, 0, 1)))) as AuditEntry[]).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(JSON.parse(await text(auditJson(pages())))).toEqual([]);
  });

  it('fails the stream, rather than ending it as if complete, when a page cannot be read', async () => {
    await expect(text(auditCsv(failing()))).rejects.toThrow('connection terminated');
    await expect(text(auditJson(failing()))).rejects.toThrow('connection terminated');
  });
});
