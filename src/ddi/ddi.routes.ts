// hawkBit's Direct Device Integration API v1 (`/{tenant}/controller/v1/{controllerId}/...`) for devices
// that already carry a hawkBit client (SWUpdate's suricatta, rauc-hawkbit-updater). Fields follow the
// published DDI documentation; bodies accept the extra fields clients send. Thin: DdiService decides.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { DeploymentsService } from '../rollouts/deployments.service.ts';
import type { PackagesService } from '../rollouts/packages.service.ts';
import { streamPackage } from '../rollouts/rollouts.routes.ts';
import { errorResponses } from '../shared/http-schemas.ts';
import { fromCatalogue, notFound } from '../shared/errors.ts';
import { DDI_EXECUTIONS, DDI_FINISHED, lenientFeedback } from './ddi-mapping.ts';
import type { DdiService } from './ddi.service.ts';

type DdiRequest = Pick<FastifyRequest, 'headers' | 'protocol' | 'host'> & { params: { tenant: string; controllerId: string } };

const tags = ['hawkBit DDI'];
const security = [{ targetToken: [] }];
const Controller = { tenant: Type.String({ minLength: 1, maxLength: 64 }), controllerId: Type.String({ minLength: 1, maxLength: 64 }) };
const ActionId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Feedback = Type.Object({
  id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()])),
  status: Type.Object({
    execution: Type.Enum(DDI_EXECUTIONS),
    result: Type.Object({
      finished: Type.Enum(DDI_FINISHED),
      progress: Type.Optional(Type.Object({ cnt: Type.Integer({ minimum: 0 }), of: Type.Optional(Type.Integer({ minimum: 0 })) })),
    }),
    // SWUpdate sends its install log in batches of up to 48 lines.
    details: Type.Optional(Type.Array(Type.String({ maxLength: 20_000 }), { maxItems: 200 })),
  }),
});

export const ddiRoutes = (ddi: DdiService, deployments: DeploymentsService, packages: PackagesService, publicUrl: string): FastifyPluginAsyncTypebox => async (app) => {
  // Clients' feedback is not always valid JSON (see lenientFeedback); refusing it would have it retried for ever.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const parsed = lenientFeedback(body as string);
    if (parsed === undefined) done(fromCatalogue('validation_error', 'common.body_not_json', { detail: 'none' }, { field: 'body' }), undefined);
    else done(null, parsed);
  });
  const terminalOf = (req: DdiRequest) => ddi.authenticate(req.params.tenant, req.params.controllerId, req.headers.authorization);
  const baseOf = (req: DdiRequest) =>
    `${publicUrl || `${req.protocol}://${req.host}`}/${encodeURIComponent(req.params.tenant)}/controller/v1/${encodeURIComponent(req.params.controllerId)}`;

  app.get('/:tenant/controller/v1/:controllerId', {
    logLevel: 'warn',
    schema: { tags, security, operationId: 'pollDdiController', summary: 'Poll for work (hawkBit DDI)', params: Type.Object(Controller), description: 'Polling: when to ask again, and links to a deployment or to configData.', response: errorResponses },
  }, async (req) => ddi.poll(await terminalOf(req), baseOf(req)));

  app.get('/:tenant/controller/v1/:controllerId/deploymentBase/:actionId', {
    schema: {
      tags, security, operationId: 'getDdiDeployment', summary: 'A deployment (hawkBit DDI)', params: Type.Object({ ...Controller, actionId: ActionId }), querystring: Type.Object({ c: Type.Optional(Type.String({ maxLength: 40 })) }),
      description: 'The deployment: chunks with artifacts, download/update handling, and whether the maintenance window is open.', response: errorResponses,
    },
  }, async (req) => ddi.deploymentBase(await terminalOf(req), req.params.actionId, baseOf(req)));

  app.post('/:tenant/controller/v1/:controllerId/deploymentBase/:actionId/feedback', {
    bodyLimit: 256 * 1024,
    schema: { tags, security, operationId: 'reportDdiDeploymentFeedback', summary: 'Report progress on a deployment (hawkBit DDI)', params: Type.Object({ ...Controller, actionId: ActionId }), body: Feedback, description: 'Feedback on the deployment; every message is stored, a repeated id changes nothing.', response: errorResponses },
  }, async (req) => {
    await ddi.feedback(await terminalOf(req), req.params.actionId, { ...req.body, id: req.body.id === undefined ? undefined : String(req.body.id) });
    return {};
  });

  app.get('/:tenant/controller/v1/:controllerId/cancelAction/:actionId', {
    schema: { tags, security, operationId: 'getDdiCancelAction', summary: 'A cancelled deployment (hawkBit DDI)', params: Type.Object({ ...Controller, actionId: ActionId }), description: 'A cancelled deployment the device should stop.', response: errorResponses },
  }, async (req) => ddi.cancelAction(await terminalOf(req), req.params.actionId));

  app.post('/:tenant/controller/v1/:controllerId/cancelAction/:actionId/feedback', {
    bodyLimit: 256 * 1024,
    schema: { tags, security, operationId: 'reportDdiCancelFeedback', summary: 'Confirm or refuse a cancellation (hawkBit DDI)', params: Type.Object({ ...Controller, actionId: ActionId }), body: Feedback, description: 'The device confirms the cancellation (closed) or refuses it.', response: errorResponses },
  }, async (req) => {
    await ddi.cancelFeedback(await terminalOf(req), req.params.actionId, { ...req.body, id: req.body.id === undefined ? undefined : String(req.body.id) });
    return {};
  });

  app.put('/:tenant/controller/v1/:controllerId/configData', {
    bodyLimit: 64 * 1024,
    schema: {
      tags, security, operationId: 'putDdiConfigData', summary: "Report the device's attributes (hawkBit DDI)", params: Type.Object(Controller),
      body: Type.Object({ mode: Type.Optional(Type.Enum(['merge', 'replace', 'remove'])), data: Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 1024 })) }),
      description: 'The device\'s attributes (hardware revision, MAC address, ...).', response: errorResponses,
    },
  }, async (req) => {
    await ddi.putConfigData(await terminalOf(req), req.body);
    return {};
  });

  app.get('/:tenant/controller/v1/:controllerId/softwaremodules/:moduleId/artifacts/:fileName', {
    logLevel: 'warn',
    schema: {
      tags, security, operationId: 'downloadDdiArtifact', summary: 'Download an artifact (hawkBit DDI)', params: Type.Object({ ...Controller, moduleId: Type.String({ minLength: 1, maxLength: 64 }), fileName: Type.String({ minLength: 1, maxLength: 200 }) }),
      description: 'The artifact (Range, ETag), or its `<file>.MD5SUM`; only for a device it was assigned to.',
    },
  }, async (req, reply) => {
    const terminalId = await terminalOf(req);
    const pkg = await deployments.authoriseDownload(terminalId, req.params.moduleId);
    if (req.params.fileName === `${pkg.file_name}.MD5SUM`) return reply.type('text/plain').send(`${pkg.md5 ?? ''}  ${pkg.file_name}\n`);
    if (req.params.fileName !== pkg.file_name) throw notFound('artifact', req.params.fileName);
    return streamPackage(packages, pkg.id, pkg.sha256, req, reply);
  });
};
