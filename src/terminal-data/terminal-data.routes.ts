// Terminal data over HTTP. Operators: a terminal's backups (list, download for admins and operators
// only, restore) and baselines with their compliance. Terminals (/device/v1): the escrow key, backup
// uploads in chunks, and their restore. Thin: the services decide.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { Type } from 'typebox';
import type { AuditService } from '../audit/audit.service.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { errorResponses, IdParams, Items, operatorSecurity as security } from '../shared/http-schemas.ts';
import type { BackupsService } from './backups.service.ts';
import type { BaselinesService } from './baselines.service.ts';
import type { RestoresService } from './restores.service.ts';
import {
  BackupQuery, BackupStart, BackupView, BaselineCompliance, BaselineInput, BaselinePatch, BaselineView, ChunkBody, ChunkParams, EscrowKeyView, RestoreInput, RestoreOffer,
  RestoreOfferRequest, RestoreResultInput, RestoreView, UploadParams, UploadStatus,
} from './terminal-data.schemas.ts';

const tags = ['terminal data'];
const BackupParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), backupId: Type.String({ minLength: 1, maxLength: 64 }) });

export interface TerminalData {
  backups: BackupsService;
  restores: RestoresService;
  baselines: BaselinesService;
}

export const terminalDataRoutes = (data: TerminalData, estate: EstateService): FastifyPluginAsyncTypebox => async (app) => {
  // A terminal outside the caller's scope is a 404, as on the terminal's own page.
  const visible = (req: FastifyRequest, id: string) => estate.getTerminal(id, req.principal.scope);

  app.get('/terminals/:id/backups', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'listTerminalBackups', summary: "A terminal's backups", params: IdParams, querystring: BackupQuery, response: { 200: Items(BackupView), ...errorResponses }, description: 'Newest first: stored, refused (hash did not verify), pruned by retention.' },
  }, async (req) => {
    await visible(req, req.params.id);
    return data.backups.list(req.params.id, req.query);
  });
  app.get('/terminals/:id/backups/:backupId/download', {
    // The file is encrypted (only the server's escrow key opens its data key), yet it is the terminal's
    // data: downloading it is for admins and operators (maintenance:write) and is audited.
    config: { permission: 'maintenance:write', auditRead: true },
    schema: { tags, security, operationId: 'downloadTerminalBackup', summary: 'Download an encrypted backup', params: BackupParams, description: 'The encrypted bytes (application/octet-stream), verified against their SHA-256 first; 409 when the file changed at rest.' },
  }, async (req, reply) => {
    await visible(req, req.params.id);
    const { backup, bytes } = await data.backups.download(req.params.id, req.params.backupId);
    return reply.type('application/octet-stream').header('x-sha256', backup.sha256)
      .header('content-disposition', `attachment; filename="backup-${backup.id}.bin"`).send(bytes);
  });
  app.get('/terminals/:id/restores', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'listTerminalRestores', summary: 'Restores onto a terminal', params: IdParams, response: { 200: Items(RestoreView), ...errorResponses } },
  }, async (req) => {
    await visible(req, req.params.id);
    return data.restores.list(req.params.id);
  });
  app.post('/terminals/:id/restores', {
    config: { permission: 'maintenance:write', auditBody: ['backupId', 'sourceTerminalId'] },
    schema: {
      tags, security, operationId: 'requestTerminalRestore', summary: 'Restore a backup onto a terminal', params: IdParams, body: RestoreInput, response: { 201: RestoreView, ...errorResponses },
      description: "Queues a restore the terminal picks up at its next start (or when its SDK asks): its own newest good backup unless backupId or sourceTerminalId says otherwise.",
    },
  }, async (req, reply) => {
    await visible(req, req.params.id);
    return reply.code(201).send(await data.restores.request(req.params.id, req.body, req.principal.name));
  });

  app.get('/baselines', {
    config: { permission: 'rollouts:read' },
    schema: { tags, security, operationId: 'listBaselines', summary: 'Baselines with their compliance counts', response: { 200: Items(BaselineView), ...errorResponses } },
  }, () => data.baselines.list());
  app.post('/baselines', {
    config: { permission: 'rollouts:write', auditBody: ['name', 'appVersion', 'firmwareVersion', 'configurationVersion'] },
    schema: {
      tags, security, operationId: 'createBaseline', summary: 'Create a baseline for a saved group', body: BaselineInput, response: { 201: BaselineView, ...errorResponses },
      description: 'The versions every terminal matching the filter must have. It never finishes: terminals that join the group later are judged too.',
    },
  }, async (req, reply) => reply.code(201).send(await data.baselines.create(req.body, req.principal.name)));
  app.get('/baselines/:id', {
    config: { permission: 'rollouts:read' },
    schema: { tags, security, operationId: 'getBaselineCompliance', summary: "A baseline's compliance, terminal by terminal", params: IdParams, response: { 200: BaselineCompliance, ...errorResponses } },
  }, (req) => data.baselines.compliance(req.params.id));
  app.patch('/baselines/:id', {
    config: { permission: 'rollouts:write', auditBody: ['name', 'appVersion', 'firmwareVersion', 'configurationVersion'] },
    schema: {
      tags, security, operationId: 'updateBaseline', summary: "Change a baseline's name, group or versions", params: IdParams, body: BaselinePatch, response: { 200: BaselineView, ...errorResponses },
      description: 'What is given replaces what the baseline had (null removes a version); at least one version stays named.',
    },
  }, (req) => data.baselines.update(req.params.id, req.body));
  app.delete('/baselines/:id', {
    config: { permission: 'rollouts:write' },
    schema: { tags, security, operationId: 'deleteBaseline', summary: 'Delete a baseline', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await data.baselines.remove(req.params.id);
    return reply.code(204).send(null);
  });
};

const deviceTags = ['terminal protocol'];
const deviceSecurity = [{ terminalCredential: [] }];

export const terminalDataDeviceRoutes = (data: TerminalData, audit: AuditService, authenticate: onRequestHookHandler): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/backup-key', {
    onRequest: authenticate,
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'getBackupEscrowKey', summary: 'The escrow public key backups are wrapped with', response: { 200: EscrowKeyView, ...errorResponses } },
  }, () => data.backups.escrowKey());
  app.post('/backups', {
    onRequest: authenticate,
    config: { auditBody: ['uploadId', 'kind', 'sha256', 'sizeBytes'] },
    schema: {
      tags: deviceTags, security: deviceSecurity, operationId: 'startBackupUpload', summary: 'Start (or resume) a backup upload', body: BackupStart, response: { 200: UploadStatus, 201: UploadStatus, ...errorResponses },
      description: 'The same uploadId again answers which chunks the server has (200): the terminal sends only the others.',
    },
  }, async (req, reply) => {
    const { created, status } = await data.backups.start(req.terminalId, req.body);
    return reply.code(created ? 201 : 200).send(status);
  });
  app.get('/backups/:uploadId', {
    onRequest: authenticate,
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'getBackupUpload', summary: 'Which chunks of an upload the server has', params: UploadParams, response: { 200: UploadStatus, ...errorResponses } },
  }, (req) => data.backups.uploadStatus(req.terminalId, req.params.uploadId));
  app.put('/backups/:uploadId/chunks/:index', {
    onRequest: authenticate,
    // One audit entry per backup (at completion), not per chunk; refusals are still audited.
    config: { telemetry: true },
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'putBackupChunk', summary: 'One chunk of a backup (base64)', params: ChunkParams, body: ChunkBody, response: { 200: UploadStatus, ...errorResponses } },
  }, (req) => data.backups.putChunk(req.terminalId, req.params.uploadId, req.params.index, req.body.data));
  app.post('/backups/:uploadId/complete', {
    onRequest: authenticate,
    config: { auditedByHandler: true },
    schema: {
      tags: deviceTags, security: deviceSecurity, operationId: 'completeBackupUpload', summary: 'Verify and store a backup', params: UploadParams, response: { 200: BackupView, ...errorResponses },
      description: 'Joins the chunks and checks their SHA-256 and size against what was declared: a backup that does not verify is refused (400, field sha256) and not kept.',
    },
  }, async (req) => {
    const entry = { actorType: 'terminal' as const, actorId: req.terminalId, actorName: null, action: 'terminal_backup.store', objectType: 'terminal_backup', sourceIp: req.ip, requestId: req.id };
    try {
      const backup = await data.backups.complete(req.terminalId, req.params.uploadId);
      await audit.record({ ...entry, objectId: backup.id, outcome: 'success', details: { kind: backup.kind, sha256: backup.sha256, sizeBytes: backup.sizeBytes, takenAt: backup.takenAt } });
      return backup;
    } catch (error) {
      await audit.record({ ...entry, objectId: req.params.uploadId, outcome: 'failure', details: { error: error instanceof Error ? error.message : String(error) } });
      throw error;
    }
  });

  app.post('/restore/offer', {
    onRequest: authenticate,
    config: { auditBody: ['fresh'] },
    schema: {
      tags: deviceTags, security: deviceSecurity, operationId: 'getRestoreOffer', summary: 'What this terminal should restore now', body: RestoreOfferRequest, response: { 200: RestoreOffer, ...errorResponses },
      description: "A pending restore (a swap, an operator's request), or with fresh: true (no saved state: first start, factory reset) the terminal's own newest backup; the data key comes wrapped for the one-time public key sent.",
    },
  }, (req) => data.restores.offer(req.terminalId, req.body));
  app.get('/restores/:id/data', {
    onRequest: authenticate,
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'getRestoreData', summary: 'The encrypted backup of a pending restore', params: IdParams },
  }, async (req, reply) => reply.type('application/octet-stream').send(await data.restores.data(req.terminalId, req.params.id)));
  app.post('/restores/:id/result', {
    onRequest: authenticate,
    config: { auditBody: ['status', 'detail'] },
    schema: {
      tags: deviceTags, security: deviceSecurity, operationId: 'reportRestoreResult', summary: 'How a restore went', params: IdParams, body: RestoreResultInput, response: { 200: RestoreView, ...errorResponses },
      description: "restored: the restore is confirmed (a swapped-in spare counts as in service from now: its work order's restored time).",
    },
  }, (req) => data.restores.result(req.terminalId, req.params.id, req.body));
};
