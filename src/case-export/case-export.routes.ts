// Exporting a suspicious-activity case as a signed bundle (a tar file) over HTTP. An export hands a case's
// evidence out of PosFleet: admins and operators only (cases:export), and audited like a change.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams, operatorSecurity } from '../shared/http-schemas.ts';
import type { CaseExportService } from './case-export.service.ts';

export const caseExportRoutes = (exports: CaseExportService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/suspicious-cases/:id/export', {
    config: { permission: 'cases:export', auditRead: true },
    schema: {
      tags: ['diagnostics'], security: operatorSecurity, operationId: 'exportSuspiciousCase', summary: 'Export a case as a signed bundle', params: IdParams,
      description: 'A tar file for an acquirer or the police: case.json (with its history), heartbeats.json and audit.json of the period, inspections.json with the photos, '
        + 'bundle.json, SHA256SUMS (SHA-256 per file), SHA256SUMS.sig (Ed25519, base64) and signing-key.pem. Check it with `posfleet case verify <file>`. '
        + 'The x-signing-key header names the key\'s fingerprint.',
      response: { ...errorResponses },
    },
  }, async (req, reply) => {
    const bundle = await exports.export(req.params.id, req.principal.scope, req.principal.name);
    return reply.type('application/x-tar').header('content-disposition', `attachment; filename="${bundle.fileName}"`)
      .header('x-signing-key', bundle.fingerprint).send(bundle.tar);
  });
};
