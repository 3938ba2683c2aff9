// The audit log over HTTP: list, verify the chain, export as CSV or JSON (auditors and admins).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, Page, PageQuery, operatorSecurity, Timestamp } from '../shared/http-schemas.ts';
import { decodeSeqCursor, toPage } from '../shared/paging.ts';
import { auditCsv, auditJson } from './audit-export.ts';
import type { AuditService } from './audit.service.ts';

const tags = ['audit'];
const security = operatorSecurity;
const config = { permission: 'audit:read', auditRead: true } as const;

const AuditQuery = Type.Object(
  {
    ...PageQuery,
    actorId: Type.Optional(Type.String({ maxLength: 64 })),
    objectId: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 200 })),
    outcome: Type.Optional(Type.Enum(['success', 'failure'])),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);

const AuditEntry = Type.Object({
  seq: Type.Integer(), at: Type.String(), actorType: Type.String(), actorId: Type.Union([Type.String(), Type.Null()]),
  actorName: Type.Union([Type.String(), Type.Null()]), action: Type.String(), objectType: Type.Union([Type.String(), Type.Null()]),
  objectId: Type.Union([Type.String(), Type.Null()]), outcome: Type.String(), sourceIp: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]), details: Type.Unknown(), hash: Type.String(),
});

export const auditRoutes = (audit: AuditService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/audit', { config, schema: { tags, security, operationId: 'listAuditEntries', summary: 'Audit log entries', description: 'Newest first, paged.', querystring: AuditQuery, response: { 200: Page(AuditEntry), ...errorResponses } } }, async (req) => {
    const limit = req.query.limit ?? 100;
    return toPage(await audit.list({ ...req.query, limit, beforeSeq: decodeSeqCursor(req.query.cursor) }), limit, (e) => String(e.seq));
  });

  app.get('/audit/verify', {
    config,
    schema: {
      tags, security, operationId: 'verifyAuditChain', summary: "Verify the audit log's hash chain", description: 'Checks the hash chain and names the first edited, removed or reordered entry.',
      response: { 200: Type.Object({ ok: Type.Boolean(), entries: Type.Optional(Type.Integer()), seq: Type.Optional(Type.Integer()), problem: Type.Optional(Type.String()), message: Type.Optional(Type.String()) }), ...errorResponses },
    },
  }, () => audit.verify());

  app.get('/audit/export', {
    config,
    schema: {
      tags, security, operationId: 'exportAuditLog', summary: 'Export the audit log (CSV or JSON)', description: 'Every entry of the range, oldest first, streamed (CSV by default). Entries written after the request are not in it.',
      querystring: Type.Object({ format: Type.Optional(Type.Enum(['csv', 'json'])), from: Type.Optional(Timestamp), to: Type.Optional(Timestamp) }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    const pages = await audit.export({ from: req.query.from, to: req.query.to });
    if (req.query.format === 'json') {
      return reply.header('content-type', 'application/json; charset=utf-8').header('content-disposition', 'attachment; filename="audit.json"').send(auditJson(pages));
    }
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit.csv"').send(auditCsv(pages));
  });
};
