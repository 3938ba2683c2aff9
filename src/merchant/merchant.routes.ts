// The merchant's side over HTTP. Merchant users (and operators): today's care tasks and answering them,
// care per site (missed days), upcoming maintenance with its expected loss, moving it within the policy
// (a move made is audited with the old and new start and the new slot's expected loss), and the moves
// made, for the
// operators' calendar.
// Terminals (/device/v1): their own due care tasks. Thin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { AuditService } from '../audit/audit.service.ts';
import { errorResponses, IdParams, Items, operatorSecurity as security } from '../shared/http-schemas.ts';
import type { CareService } from './care.service.ts';
import {
  CareConfirmInput, CareQuery, CareReportQuery, CareTaskView, DeviceCare, MoveInput, MoveRecord, MovesQuery, MoveView, ShopNoticeView, SiteCare, UpcomingMaintenance,
} from './merchant.schemas.ts';
import type { MaintenanceMoves } from './moves.service.ts';
import type { ShopNotices } from './shop-notices.ts';

const read = { permission: 'estate:read' } as const;
const tags = ['merchant'];

export const merchantRoutes = (care: CareService, moves: MaintenanceMoves, audit: AuditService, notices: ShopNotices): FastifyPluginAsyncTypebox => async (app) => {
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
    // Every request is audited as any change is (refusals too); a move made is recorded once more as
    // what an operator asks of it: from when to when, and the new slot's expected loss.
    config: { permission: 'maintenance:move', auditBody: ['startAt', 'confirm'] },
    schema: {
      tags, security, operationId: 'moveMaintenanceJob',
      summary: 'Moves a planned job within the policy: the planner finds the first slot from startAt; without confirm it only shows the slot and its expected loss',
      params: IdParams, body: MoveInput, response: { 200: MoveView, ...errorResponses },
    },
  }, async (req) => {
    const view = await moves.move(req.params.id, req.body, req.principal.scope, req.principal.name);
    if (view.moved) {
      await audit.record({
        actorType: 'user', actorId: req.principal.userId ?? null, actorName: req.principal.name, action: 'maintenance_job.move', objectType: 'maintenance_job',
        objectId: req.params.id, sourceIp: req.ip, requestId: req.id, outcome: 'success', details: {
          fromStart: view.fromStart, toStart: view.start, window: view.window, expectedLossMinor: view.expectedLossMinor, previousLossMinor: view.previousLossMinor,
          currency: view.currency, movesLeft: view.movesLeft,
        },
      });
    }
    return view;
  });
  app.get('/maintenance/moves', {
    config: read,
    schema: {
      tags, security, operationId: 'listMaintenanceMoves', summary: 'Planned maintenance moved by merchants: from when to when, by whom, and the expected loss of the new slot',
      description: 'Newest first; from/to keep the moves whose old or new start lies in the period. A merchant user sees its own merchant\'s moves only.',
      querystring: MovesQuery, response: { 200: Items(MoveRecord), ...errorResponses },
    },
  }, async (req) => ({ items: await moves.list(req.query, req.principal.scope) }));
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
