// Rollouts over HTTP. Operators: publisher keys, packages (declared with their signature, then their
// content streamed in), campaigns and the fleet's versions. Terminals (/device/v1): their deployment,
// feedback on it, and the package download with Range and ETag. Thin: the services decide.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import send from '@fastify/send';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { fromCatalogue, notFound } from '../shared/errors.ts';
import { HeldAnswer, localeOf, type FourEyes } from '../shared/four-eyes.ts';
import { errorResponses, IdParams, Items, operatorSecurity as security, Page } from '../shared/http-schemas.ts';
import type { CampaignViews } from './campaign-views.service.ts';
import type { CampaignsService } from './campaigns.service.ts';
import type { DeploymentsService } from './deployments.service.ts';
import type { FleetVersionsService } from './fleet-versions.service.ts';
import type { PackagesService } from './packages.service.ts';
import {
  ActionListQuery, ActionView, CampaignAction, CampaignInput, CampaignPreview, CampaignListQuery, CampaignSummary, CampaignView, DeploymentView, FeedbackAnswer, FeedbackInput,
  FleetVersionsView, PackageInput, PackageListQuery, PackageView, PublisherKeyInput, PublisherKeyView, VersionChangeView,
} from './rollouts.schemas.ts';

const read = { permission: 'rollouts:read' } as const;
const write = { permission: 'rollouts:write' } as const;
const publish = { permission: 'packages:publish' } as const;
const tags = ['rollouts'];
const ActionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), actionId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const rolloutRoutes = (packages: PackagesService, campaigns: CampaignsService, campaignViews: CampaignViews, fleetVersions: FleetVersionsService, fourEyes: FourEyes): FastifyPluginAsyncTypebox => async (app) => {
  // Package content arrives as a raw stream and is hashed on its way to disk, never held in memory.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  // ---- publisher keys
  app.get('/publisher-keys', { config: read, schema: { tags, security, operationId: 'listPublisherKeys', summary: 'List publisher keys', response: { 200: Items(PublisherKeyView), ...errorResponses } } },
    async () => ({ items: await packages.listKeys() }));
  app.post('/publisher-keys', {
    config: publish, schema: { tags, security, operationId: 'registerPublisherKey', summary: 'Register a publisher key', body: PublisherKeyInput, response: { 201: PublisherKeyView, ...errorResponses }, description: 'Registers an Ed25519 public key whose signatures PosFleet accepts; its id is its fingerprint.' },
  }, async (req, reply) => reply.code(201).send(await packages.registerKey(req.body, req.principal.name)));
  app.post('/publisher-keys/:id/revoke', {
    config: publish, schema: { tags, security, operationId: 'revokePublisherKey', summary: 'Revoke a publisher key', params: IdParams, response: { 200: PublisherKeyView, ...errorResponses }, description: 'Packages signed with a revoked key can no longer be assigned.' },
  }, (req) => packages.revokeKey(req.params.id));

  // ---- packages
  app.get('/packages', { config: read, schema: { tags, security, operationId: 'listPackages', summary: 'List packages', querystring: PackageListQuery, response: { 200: Page(PackageView), ...errorResponses } } },
    (req) => packages.list(req.query));
  app.post('/packages', {
    config: publish,
    schema: {
      tags, security, operationId: 'declarePackage', summary: 'Declare a signed package', body: PackageInput, response: { 201: PackageView, ...errorResponses },
      description: 'Declares a package: metadata, size, SHA-256 and the Ed25519 signature (checked now against the registered key). Then PUT its content.',
    },
  }, async (req, reply) => reply.code(201).send(await packages.declare(req.body, req.principal.name)));
  app.get('/packages/:id', { config: read, schema: { tags, security, operationId: 'getPackage', summary: 'A package', params: IdParams, response: { 200: PackageView, ...errorResponses } } },
    (req) => packages.get(req.params.id));
  app.put('/packages/:id/content', {
    config: publish,
    schema: {
      tags, security, operationId: 'uploadPackageContent', summary: "Upload a package's content", params: IdParams, consumes: ['application/octet-stream'], response: { 200: PackageView, ...errorResponses },
      description: 'The package file as application/octet-stream. It must have exactly the declared size and SHA-256, else it is refused and nothing is kept.',
    },
  }, (req) => {
    // Any other type was parsed (JSON, text) or refused by Fastify already: only the raw stream is content.
    if (!(req.body instanceof Readable)) throw fromCatalogue('unsupported_media_type', 'rollouts.package_octet_stream', {}, { field: 'content-type' });
    return packages.receiveContent(req.params.id, req.body);
  });

  // ---- campaigns
  app.get('/campaigns', { config: read, schema: { tags, security, operationId: 'listCampaigns', summary: 'List campaigns', querystring: CampaignListQuery, response: { 200: Page(CampaignSummary), ...errorResponses } } },
    (req) => campaignViews.list(req.query));
  app.post('/campaigns', {
    config: {
      ...write,
      // The campaign's policy for single-terminal sites is a decision about merchants' trading: kept with its reason.
      auditBody: ['singleTerminalSites', 'singleTerminalSitesReason', 'reason'],
    },
    schema: {
      tags, security, operationId: 'startCampaign', summary: 'Start a campaign', body: CampaignInput, response: { 201: CampaignView, 202: HeldAnswer, ...errorResponses },
      description: 'Starts a rollout of a ready package to the terminals the filter matches, in waves drawn across sites and networks. Each install is a maintenance job in the terminal\'s window. '
        + 'A campaign to more terminals than the four-eyes threshold is held (202, state awaiting_approval) until a second person approves it (POST /approvals/{id}/approve); give the reason.',
    },
  }, async (req, reply) => {
    const { reason, ...input } = req.body;
    const scope = req.principal.scope;
    // Counting the reach costs a pass over the targets: only when campaigns can be held at all.
    if (fourEyes.campaignNeedsApproval(Number.MAX_SAFE_INTEGER)) {
      const reach = await campaigns.reach(input, scope);
      const held = await fourEyes.hold({
        kind: 'campaign', terminals: reach.terminals, payload: { input, scope }, summary: { name: input.name, terminals: reach.terminals, package: reach.package },
        objectId: null, reason, field: 'reason',
      }, req.principal, localeOf(req.principal.locale, req.headers['accept-language']));
      if (held) return reply.code(202).send(held);
    }
    return reply.code(201).send(await campaigns.create(input, scope, req.principal.name));
  });
  app.post('/campaigns/preview', {
    config: read,
    schema: {
      tags, security, operationId: 'previewCampaign', summary: 'What starting a campaign would do, without starting it', body: CampaignInput, response: { 200: CampaignPreview, ...errorResponses },
      description: 'The terminals it reaches (by site, model, installed version and wave), the maintenance windows they would stop trading in (a dry run of the planner), those no window takes now, and whether a second person must approve it. Changes nothing.',
    },
  }, async (req) => {
    const preview = await campaigns.preview(req.body, req.principal.scope);
    return { ...preview, needsApproval: fourEyes.campaignNeedsApproval(preview.terminals), ...(fourEyes.campaignNeedsApproval(Number.MAX_SAFE_INTEGER) && { approvalThreshold: fourEyes.campaignThreshold() }) };
  });
  app.get('/campaigns/:id', { config: read, schema: { tags, security, operationId: 'getCampaign', summary: 'A campaign with its waves', params: IdParams, response: { 200: CampaignView, ...errorResponses } } },
    (req) => campaignViews.get(req.params.id));
  app.get('/campaigns/:id/actions', {
    config: read, schema: { tags, security, operationId: 'listCampaignActions', summary: "A campaign's actions, one per terminal", params: IdParams, querystring: ActionListQuery, response: { 200: Page(ActionView), ...errorResponses } },
  }, (req) => campaignViews.actions(req.params.id, req.query));
  app.get('/campaigns/:id/actions/:actionId', {
    config: read, schema: { tags, security, operationId: 'getCampaignAction', summary: "One terminal's action in a campaign", params: ActionParams, response: { 200: ActionView, ...errorResponses }, description: 'One terminal\'s action with every feedback received for it.' },
  }, (req) => campaignViews.action(req.params.id, req.params.actionId));
  app.post('/campaigns/:id/pause', { config: write, schema: { tags, security, operationId: 'pauseCampaign', summary: 'Pause a campaign', params: IdParams, body: CampaignAction, response: { 200: CampaignView, ...errorResponses } } },
    (req) => campaigns.pause(req.params.id, req.body.note, req.principal.name));
  app.post('/campaigns/:id/resume', {
    config: write,
    schema: {
      tags, security, operationId: 'resumeCampaign', summary: 'Resume a campaign', params: IdParams, response: { 200: CampaignView, ...errorResponses },
      body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })), maxFailureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })) }, { additionalProperties: false }),
      description: 'After a halt on payments, resuming accepts the figures and starts the next wave; after a halt on install failures, the wave goes on (raise maxFailureRate to accept more).',
    },
  }, (req) => campaigns.resume(req.params.id, req.body, req.principal.name));
  app.post('/campaigns/:id/cancel', { config: write, schema: { tags, security, operationId: 'cancelCampaign', summary: 'Cancel a campaign', params: IdParams, body: CampaignAction, response: { 200: CampaignView, ...errorResponses } } },
    (req) => campaigns.cancel(req.params.id, req.body.note, req.principal.name));
  app.post('/campaigns/:id/rollback', {
    config: write,
    schema: {
      tags, security, operationId: 'rollBackCampaign', summary: 'Roll a campaign back', params: IdParams, response: { 201: CampaignView, ...errorResponses },
      body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), waves: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 10 })) }, { additionalProperties: false }),
      description: 'Stops the campaign and re-installs each updated terminal\'s previous version as a new campaign, in waves, inside windows. Terminals whose previous version has no ready package are left out and listed with the reason (leftOut); 409 only when none can go back.',
    },
  }, async (req, reply) => reply.code(201).send(await campaigns.rollback(req.params.id, req.body, req.principal.name)));

  app.get('/terminals/:id/versions', {
    config: { permission: 'estate:read' },
    schema: {
      tags, security, operationId: 'listTerminalVersions', summary: "A terminal's version history", params: IdParams, response: { 200: Items(VersionChangeView), ...errorResponses },
      description: "The application and firmware versions the terminal reported, newest first (the last 100), each with the campaign that installed it, if one did.",
    },
  }, async (req) => ({ items: await fleetVersions.versionsOf(req.params.id, req.principal.scope) }));
  app.get('/fleet/versions', {
    config: read, schema: { tags, security, operationId: 'getFleetVersions', summary: 'Versions across the fleet', response: { 200: FleetVersionsView, ...errorResponses }, description: 'Versions per model, the share on the latest security patch, actions stuck in a state, versions installed outside PosFleet.' },
  }, () => fleetVersions.fleet());
};

const deviceSecurity = [{ terminalCredential: [] }];
const deviceTags = ['terminal protocol'];

export const rolloutDeviceRoutes = (packages: PackagesService, deployments: DeploymentsService, authenticate: (request: FastifyRequest) => Promise<void>): FastifyPluginAsyncTypebox => async (app) => {
  const DeploymentParams = Type.Object({ actionId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
  app.get('/deployments/:actionId', {
    onRequest: authenticate,
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'getDeployment', summary: 'A deployment for the terminal', params: DeploymentParams, response: { 200: DeploymentView, ...errorResponses }, description: 'The package to download (ahead of the window) and whether it may be installed now.' },
  }, (req) => deployments.deployment(req.terminalId, req.params.actionId));
  app.post('/deployments/:actionId/feedback', {
    onRequest: authenticate,
    bodyLimit: 64 * 1024,
    schema: {
      tags: deviceTags, security: deviceSecurity, operationId: 'reportDeploymentFeedback', summary: 'Report progress on a deployment', params: DeploymentParams, body: FeedbackInput, response: { 200: FeedbackAnswer, ...errorResponses },
      description: 'Idempotent: a repeated reportId, a late step or anything after the action closed is recorded and changes nothing.',
    },
  }, (req) => deployments.feedback(req.terminalId, req.params.actionId, req.body));
  app.get('/packages/:id/content', {
    onRequest: authenticate,
    logLevel: 'warn',
    schema: { tags: deviceTags, security: deviceSecurity, operationId: 'downloadPackage', summary: 'Download a package assigned to the terminal', params: IdParams, description: 'The package file, only for a terminal it was assigned to. Range requests resume an interrupted download; ETag and If-Range keep a resumed one consistent.' },
  }, async (req, reply) => {
    const pkg = await deployments.authoriseDownload(req.terminalId, req.params.id);
    return streamPackage(packages, pkg.id, pkg.sha256, req, reply);
  });
};

/**
 * Streams a package from disk (Range, ETag, HEAD) with @fastify/send: never read whole into memory.
 * The ETag is the content's SHA-256, a strong validator: the file under a package id never changes, so
 * it is the same on every server and after a restore, and If-Range may use it (send's own ETag is weak,
 * made of size and mtime, and a client must not send a weak one in If-Range). A range whose If-Range
 * does not match is answered with the whole file, as HTTP asks.
 */
export async function streamPackage(packages: PackagesService, packageId: string, sha256: string, req: FastifyRequest, reply: FastifyReply) {
  const etag = `"${sha256}"`;
  const conditions = { ...req.raw.headers };
  if (conditions['if-range'] !== undefined && conditions['if-range'] !== etag) delete conditions.range;
  const ifNoneMatch = conditions['if-none-match'];
  for (const name of ['if-range', 'if-none-match', 'if-match', 'if-modified-since', 'if-unmodified-since']) delete conditions[name];
  if (ifNoneMatch !== undefined && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))) {
    return reply.code(304).header('etag', etag).send();
  }
  const { statusCode, headers, stream } = await send({ method: req.raw.method, headers: conditions } as IncomingMessage, `/${packages.store.fileName(packageId)}`, {
    root: packages.store.dir, contentType: false, cacheControl: false, dotfiles: 'deny', index: false, etag: false,
    // send gives the file stream no chunk size, which then reads 16 KiB at a time: four times the reads and writes.
    highWaterMark: 64 * 1024,
  });
  if (statusCode >= 400) {
    stream.destroy();
    const size = String((headers as Record<string, string>)['Content-Range'] ?? '').replace(/^bytes \*\//, '');
    if (statusCode === 416) {
      reply.header('content-range', `bytes */${size}`);
      throw fromCatalogue('range_not_satisfiable', 'rollouts.range_outside', { range: req.headers.range ?? '', size }, { field: 'range' });
    }
    throw notFound('package content', packageId);
  }
  return reply.code(statusCode).headers(headers as Record<string, string>).header('etag', etag).header('content-type', 'application/octet-stream').header('x-content-sha256', sha256).send(stream);
}
