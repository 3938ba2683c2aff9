// Remote assistance over HTTP. Operators (/api/v1): ask a terminal for its logs or a screenshot, list
// the files per terminal and incident, download them (audited), send a message to its screen and see
// its acknowledgement. Terminals (/device/v1): upload the files in chunks, say a message was shown and
// acknowledged. Thin: the services decide.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { Type } from 'typebox';
import type { AuditService } from '../audit/audit.service.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { errorResponses, IdParams, Items, operatorSecurity as security } from '../shared/http-schemas.ts';
import type { ArtifactsService } from './artifacts.service.ts';
import {
  ArtifactChunkBody, ArtifactChunkParams, ArtifactParams, ArtifactRequestInput, ArtifactStart, ArtifactUploadParams, ArtifactUploadStatus, ArtifactView,
  ScreenMessageAckInput, ScreenMessageInput, ScreenMessageView,
} from './assistance.schemas.ts';
import type { ScreenMessagesService } from './screen-messages.service.ts';

const tags = ['remote assistance'];

export interface Assistance {
  artifacts: ArtifactsService;
  messages: ScreenMessagesService;
}

export const assistanceRoutes = (assistance: Assistance, estate: EstateService, audit: AuditService): FastifyPluginAsyncTypebox => async (app) => {
  // A terminal outside the caller's scope is a 404, as on the terminal's own page.
  const visible = (req: FastifyRequest, id: string) => estate.getTerminal(id, req.principal.scope);

  app.get('/terminals/:id/files', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'listTerminalFiles', summary: "A terminal's uploaded logs and screenshots", params: IdParams, response: { 200: Items(ArtifactView), ...errorResponses }, description: 'Newest first, with the incident each was asked for and when retention removes it.' },
  }, async (req) => {
    await visible(req, req.params.id);
    return assistance.artifacts.listForTerminal(req.params.id);
  });
  app.post('/terminals/:id/files/requests', {
    config: { permission: 'terminals:command', auditBody: ['kind', 'incidentId', 'maxBytes'] },
    schema: {
      tags, security, operationId: 'requestTerminalFile', summary: 'Ask a terminal for its logs or a screenshot', params: IdParams, body: ArtifactRequestInput,
      response: { 201: Type.Object({ commandId: Type.String() }), 200: Type.Object({ commandId: Type.String() }), ...errorResponses },
      description: 'Queues a collect_logs or screenshot command for the next heartbeat; the terminal uploads the file (compressed, in chunks), listed on the terminal and on the incident given. Asked again while it waits: 200 with the same command.',
    },
  }, async (req, reply) => {
    await visible(req, req.params.id);
    const { commandId, created } = await assistance.artifacts.request(req.params.id, req.body, req.principal.scope, req.principal.name);
    return reply.code(created ? 201 : 200).send({ commandId });
  });
  app.get('/terminals/:id/files/:artifactId/download', {
    // Logs may hold what a shop would not show anyone: downloading is for those who assist terminals
    // (terminals:command) within their scope, and every download is on the audit trail.
    config: { permission: 'terminals:command', auditedByHandler: true },
    schema: { tags, security, operationId: 'downloadTerminalFile', summary: 'Download a log file or screenshot', params: ArtifactParams, description: 'Logs as .log.gz (application/gzip), a screenshot as image/png; verified against its SHA-256 first (409 when it changed at rest).' },
  }, async (req, reply) => {
    const entry = {
      actorType: 'user' as const, actorId: req.principal.userId ?? null, actorName: req.principal.name, action: 'terminal_file.download', objectType: 'terminal_file',
      objectId: req.params.artifactId, sourceIp: req.ip, requestId: req.id,
    };
    try {
      await visible(req, req.params.id);
      const { artifact, bytes } = await assistance.artifacts.download(req.params.id, req.params.artifactId);
      await audit.record({ ...entry, outcome: 'success', details: { terminalId: artifact.terminalId, kind: artifact.kind, incidentId: artifact.incidentId, sha256: artifact.sha256 } });
      return reply.type(artifact.encoding === 'gzip' ? 'application/gzip' : artifact.contentType).header('x-sha256', artifact.sha256)
        .header('content-disposition', `attachment; filename="${artifact.fileName}"`).send(bytes);
    } catch (error) {
      await audit.record({ ...entry, outcome: 'failure', details: { terminalId: req.params.id, error: error instanceof Error ? error.message : String(error) } });
      throw error;
    }
  });
  app.get('/incidents/:id/files', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'listIncidentFiles', summary: 'Logs and screenshots asked for an incident', params: IdParams, response: { 200: Items(ArtifactView), ...errorResponses } },
  }, (req) => assistance.artifacts.listForIncident(req.params.id, req.principal.scope));

  app.get('/terminals/:id/messages', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'listScreenMessages', summary: 'Messages sent to a terminal\'s screen', params: IdParams, response: { 200: Items(ScreenMessageView), ...errorResponses }, description: 'Newest first, each with when it was shown and when and by whom the staff acknowledged it.' },
  }, async (req) => {
    await visible(req, req.params.id);
    return assistance.messages.list(req.params.id);
  });
  app.post('/terminals/:id/messages', {
    config: { permission: 'terminals:command', auditBody: ['text'] },
    schema: {
      tags, security, operationId: 'sendScreenMessage', summary: "Send a message to a terminal's screen", params: IdParams, body: ScreenMessageInput, response: { 201: ScreenMessageView, ...errorResponses },
      description: 'Delivered with the next heartbeat (a show_message command); shown until the staff acknowledge it on the terminal.',
    },
  }, async (req, reply) => {
    await visible(req, req.params.id);
    return reply.code(201).send(await assistance.messages.send(req.params.id, req.body, req.principal.name));
  });
};

const deviceTags = ['terminal protocol'];
const deviceSecurity = [{ terminalCredential: [] }];
const MessageParams = Type.Object({ messageId: Type.String({ minLength: 1, maxLength: 64 }) });

export const assistanceDeviceRoutes = (assistance: Assistance, audit: AuditService, authenticate: onRequestHookHandler): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/files', {
    onRequest: authenticate,
    config: { auditBody: ['uploadId', 'commandId', 'kind', 'sha256', 'sizeBytes'] },
    schema: {
      tags: deviceTags, security: deviceSecurity, operationId: 'startFileUpload', summary: 'Start (or resume) the upload of logs or a screenshot', body: ArtifactStart,
      response: { 200: ArtifactUploadStatus, 201: ArtifactUploadStatus, ...errorResponses },
      description: 'The same uploadId again answers which chunks the server has (200): the terminal sends only the others. Larger than the command asked: 400 naming sizeBytes.',
    },
  }, async (req, reply) => {
    const { created, status } = await assistance.artifacts.start(req.terminalId, req.body);
    return reply.code(created ? 201 : 200).send(status);
  });
  app.get('/files/:uploadId', {
    onRequest: authenticate,
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'getFileUpload', summary: 'Which chunks of a file upload the server has', params: ArtifactUploadParams, response: { 200: ArtifactUploadStatus, ...errorResponses } },
  }, (req) => assistance.artifacts.uploadStatus(req.terminalId, req.params.uploadId));
  app.put('/files/:uploadId/chunks/:index', {
    onRequest: authenticate,
    // One audit entry per file (at completion), not per chunk; refusals are still audited.
    config: { telemetry: true },
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'putFileChunk', summary: 'One chunk of a file (base64)', params: ArtifactChunkParams, body: ArtifactChunkBody, response: { 200: ArtifactUploadStatus, ...errorResponses } },
  }, (req) => assistance.artifacts.putChunk(req.terminalId, req.params.uploadId, req.params.index, req.body.data));
  app.post('/files/:uploadId/complete', {
    onRequest: authenticate,
    config: { auditedByHandler: true },
    schema: {
      tags: deviceTags, security: deviceSecurity, operationId: 'completeFileUpload', summary: 'Verify and keep an uploaded file', params: ArtifactUploadParams, response: { 200: ArtifactView, ...errorResponses },
      description: 'Joins the chunks and checks their SHA-256, and that logs are a gzip stream and a screenshot a PNG: a file that does not verify is refused (400, field sha256).',
    },
  }, async (req) => {
    const entry = { actorType: 'terminal' as const, actorId: req.terminalId, actorName: null, action: 'terminal_file.store', objectType: 'terminal_file', sourceIp: req.ip, requestId: req.id };
    try {
      const file = await assistance.artifacts.complete(req.terminalId, req.params.uploadId);
      await audit.record({ ...entry, objectId: file.id, outcome: 'success', details: { kind: file.kind, incidentId: file.incidentId, sha256: file.sha256, sizeBytes: file.sizeBytes } });
      return file;
    } catch (error) {
      await audit.record({ ...entry, objectId: req.params.uploadId, outcome: 'failure', details: { error: error instanceof Error ? error.message : String(error) } });
      throw error;
    }
  });
  app.post('/messages/:messageId/shown', {
    onRequest: authenticate,
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'screenMessageShown', summary: 'A screen message is on the screen', params: MessageParams, response: { 200: ScreenMessageView, ...errorResponses } },
  }, (req) => assistance.messages.shown(req.terminalId, req.params.messageId));
  app.post('/messages/:messageId/acknowledge', {
    onRequest: authenticate,
    config: { auditBody: ['by'] },
    schema: {
      tags: deviceTags, security: deviceSecurity, operationId: 'acknowledgeScreenMessage', summary: 'Staff acknowledged a screen message', params: MessageParams, body: ScreenMessageAckInput,
      response: { 200: ScreenMessageView, ...errorResponses }, description: 'Recorded once, with the time and who; the same acknowledgement again answers the first.',
    },
  }, async (req) => (await assistance.messages.acknowledge(req.terminalId, req.params.messageId, req.body.by)).message);
};
