// Maintenance windows over HTTP: defining windows, planning work inside them, and a site's suggested window.
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decodeCursor } from '../shared/paging.ts';
import { errorResponses, IdParams, operatorSecurity, Page } from '../shared/http-schemas.ts';
import type { SuggestedWindowService } from './suggested-window.service.ts';
import type { WindowPlanner } from './window-planner.service.ts';
import type { WindowsService } from './windows.service.ts';
import {
  OccurrenceList, OccurrencesQuery, PlanInput, PlanView, SuggestedWindowQuery, SuggestedWindowView, TradingImportQuery, TradingImportView, WindowInput, WindowListQuery, WindowPatch, WindowView,
} from './windows.schemas.ts';

const tags = ['maintenance'];
const security = operatorSecurity;
const write = { permission: 'maintenance:write' } as const;
const read = { permission: 'estate:read' } as const;

export const windowRoutes = (windows: WindowsService, planner: WindowPlanner, suggested: SuggestedWindowService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/maintenance/windows', {
    config: write,
    schema: {
      tags, security, operationId: 'createMaintenanceWindow', summary: 'Define a maintenance window', body: WindowInput, response: { 201: WindowView, ...errorResponses },
      description: 'Defines when planned maintenance may run for a merchant, site, terminal or filter. 400 names the wrong field; 409 when it overlaps a window of the same target.',
    },
  }, async (req, reply) => reply.code(201).send(await windows.create(req.body, req.principal.scope, req.principal.name)));

  app.get('/maintenance/windows', { config: read, schema: { tags, security, operationId: 'listMaintenanceWindows', summary: 'List maintenance windows', querystring: WindowListQuery, response: { 200: Page(WindowView), ...errorResponses } } },
    (req) => windows.list({ ...req.query, cursor: decodeCursor(req.query.cursor), limit: req.query.limit ?? 100 }, req.principal.scope));
  app.get('/maintenance/windows/:id', { config: read, schema: { tags, security, operationId: 'getMaintenanceWindow', summary: 'A maintenance window', params: IdParams, response: { 200: WindowView, ...errorResponses } } },
    (req) => windows.get(req.params.id, req.principal.scope));
  app.patch('/maintenance/windows/:id', { config: write, schema: { tags, security, operationId: 'updateMaintenanceWindow', summary: 'Change a maintenance window', params: IdParams, body: WindowPatch, response: { 200: WindowView, ...errorResponses } } },
    (req) => windows.update(req.params.id, req.body, req.principal.scope));
  app.delete('/maintenance/windows/:id', {
    config: write,
    schema: { tags, security, operationId: 'deleteMaintenanceWindow', summary: 'Delete a maintenance window', description: '409 while open planned jobs still wait for the window.', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await windows.remove(req.params.id, req.principal.scope);
    return reply.code(204).send(null);
  });
  app.get('/maintenance/windows/:id/occurrences', {
    config: read, schema: { tags, security, operationId: 'listMaintenanceWindowOccurrences', summary: 'When a maintenance window next opens', params: IdParams, querystring: OccurrencesQuery, response: { 200: OccurrenceList, ...errorResponses } },
  }, (req) => windows.occurrences(req.params.id, req.query, req.principal.scope));

  app.post('/maintenance/plans', {
    config: write,
    schema: {
      tags, security, operationId: 'planMaintenance', summary: "Plan maintenance inside the terminals' windows", body: PlanInput, response: { 200: PlanView, 201: PlanView, ...errorResponses },
      description: 'Plans a maintenance job per terminal inside the next occurrence of its window, where it can finish before the window ends; '
        + 'starts are spread (seeded) under per-site and fleet limits. Jobs that do not fit are reported, not created. 200 for a dry run.',
    },
  }, async (req, reply) => {
    const plan = await planner.plan(req.body, req.principal.scope, req.principal.name);
    return reply.code(plan.dryRun ? 200 : 201).send(plan);
  });

  // A site's past trade (e.g. an acquirer's settlement file), as JSON or CSV: only this route reads CSV here.
  await app.register(async (scope) => {
    const csv = scope.withTypeProvider<TypeBoxTypeProvider>();
    csv.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 10 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    csv.post('/sites/:id/trading-history', {
      config: write,
      bodyLimit: 10 * 1024 * 1024,
      schema: {
        tags, security, operationId: 'importTradingHistory', summary: "Import a site's past trade (JSON or CSV)", params: IdParams, querystring: TradingImportQuery, consumes: ['application/json', 'text/csv'], response: { 200: TradingImportView, ...errorResponses },
        description: "Imports the site's past transactions per 15 minutes, which its suggested window learns from (before its terminals' heartbeats have built a history). "
          + 'JSON { currency?, buckets: [{ start, transactions, amountMinor? }] } or CSV with a header line start,transactions[,amountMinor]. '
          + 'Each start is an instant on a quarter hour, in the past. Every row is checked first (400 names the first bad one); importing the same buckets again replaces them.',
      },
    }, (req) => suggested.importTrading(req.params.id, req.body, req.query, req.principal.scope));
  });

  app.get('/sites/:id/suggested-window', {
    config: read,
    schema: {
      tags, security, operationId: 'getSuggestedWindow', summary: 'Suggested maintenance windows for a site', params: IdParams, querystring: SuggestedWindowQuery, response: { 200: SuggestedWindowView, ...errorResponses },
      description: "Candidate maintenance windows for the site, cheapest first, with their expected lost revenue, learnt from its terminals' reported transactions (else its opening hours).",
    },
  }, (req) => suggested.suggest(req.params.id, req.query, req.principal.scope));
};
