// The merchant's side over HTTP. Merchant users (and operators): today's care tasks and answering them,
// care per site (missed days), upcoming maintenance with its expected loss, moving it within the policy.
// Terminals (/device/v1): their own due care tasks. Thin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { errorResponses, IdParams, Items, operatorSecurity as security } from '../shared/http-schemas.ts';
import type { CareService } from './care.service.ts';
import { CareConfirmInput, CareQuery, CareReportQuery, CareTaskView, DeviceCare, MoveInput, MoveView, ShopNoticeView, SiteCare, UpcomingMaintenance } from './merchant.schemas.ts';
import type { MaintenanceMoves } from './moves.service.ts';
import type { ShopNotices } from './shop-notices.ts';

const read = { permission: 'estate:read' } as const;
const tags = ['merchant'];

export const merchantRoutes = (care: CareService, moves: MaintenanceMoves, notices: ShopNotices): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/merchant/notices', {
    config: read,
    schema: {
      tags, security, operationId: 'listShopNotices',
      summary: "Notices to the shop: what its staff should fix now (paper, the printer cover) and forecasts (paper running out, a battery or a card slot wearing out), in the merchant's language",
      querystring: CareQuery, response: { 200: Items(ShopNoticeView), ...errorResponses },
    },
  }, async (req) => ({ items: await notices.list(req.query, req.principal.scope) }));
  app.get('/care/today', {
    config: read,
    schema: {
      tags, security, operationId: 'listCareToday', summary: "Each terminal's care task due now (the shop staff's daily and weekly care), with what was answered",
      querystring: CareQuery, response: { 200: Items(CareTaskView), ...errorResponses },
    },
  }, (req) => ({ items: care.today(req.query, req.principal.scope) }));
  app.post('/care/confirmations', {
    config: { permission: 'care:confirm', auditBody: ['taskId', 'dueAt', 'outcome', 'reason'] },
    schema: {
      tags, security, operationId: 'confirmCare', summary: 'Answers a care task: done, or could not (with the reason)',
      body: CareConfirmInput, response: { 201: CareTaskView, ...errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(await care.confirm(req.body, req.principal.scope, req.principal.name)));
  app.get('/care/report', {
    config: read,
    schema: {
      tags, security, operationId: 'careReport', summary: 'Care per site over a period: done, could not, missed (no answer), still open',
      querystring: CareReportQuery, response: { 200: Items(SiteCare), ...errorResponses },
    },
  }, async (req) => ({ items: await care.report(req.query, req.principal.scope) }));
  app.get('/merchant/maintenance', {
    config: read,
    schema: {
      tags, security, operationId: 'listUpcomingMaintenance', summary: 'Planned maintenance not started yet, with the expected loss of its slot and what the move policy allows',
      response: { 200: Items(UpcomingMaintenance), ...errorResponses },
    },
  }, async (req) => ({ items: await moves.upcoming(req.principal.scope) }));
  app.post('/maintenance/jobs/:id/move', {
    config: { permission: 'maintenance:move', auditBody: ['startAt', 'confirm'] },
    schema: {
      tags, security, operationId: 'moveMaintenanceJob',
      summary: 'Moves a planned job within the policy: the planner finds the first slot from startAt; without confirm it only shows the slot and its expected loss',
      params: IdParams, body: MoveInput, response: { 200: MoveView, ...errorResponses },
    },
  }, (req) => moves.move(req.params.id, req.body, req.principal.scope, req.principal.name));
};

export const merchantDeviceRoutes = (care: CareService, authenticate: (request: FastifyRequest) => Promise<void>): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/care', {
    onRequest: authenticate,
    schema: {
      tags: ['terminal protocol'], security: [{ terminalCredential: [] }], operationId: 'deviceCare',
      summary: "The calling terminal's own care tasks due now, in its merchant's language (fetch when the heartbeat answer's care version changes)",
      response: { 200: DeviceCare, ...errorResponses },
    },
  }, (req) => care.deviceCare(req.terminalId));
};
