// Estate registry over HTTP: thin handlers that validate, call the service and shape the answer.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams, Page, operatorSecurity } from '../shared/http-schemas.ts';
import type { EstateService } from './estate.service.ts';
import {
  BulkTagInput, BulkTagResult, ImportResult, ListQuery, Merchant, MerchantInput, MerchantPatch, Site, SiteInput, SitePatch, Terminal, TerminalInput,
  TerminalModel, TerminalModelInput, TerminalModelPatch, TerminalPatch, TerminalQuery,
} from './estate.schemas.ts';

const security = operatorSecurity;

export const estateRoutes = (estate: EstateService): FastifyPluginAsyncTypebox => async (app) => {
  const crud = (tag: string) => ({ tags: [tag], security });
  const read = { permission: 'estate:read' } as const;
  const write = { permission: 'estate:write' } as const;

  // ---- merchants
  app.get('/merchants', { config: read, schema: { ...crud('merchants'), operationId: 'listMerchants', summary: 'List merchants', querystring: ListQuery, response: { 200: Page(Merchant), ...errorResponses } } },
    (req) => estate.listMerchants({ ...req.query, limit: req.query.limit ?? 100 }, req.principal.scope));
  app.post('/merchants', { config: write, schema: { ...crud('merchants'), operationId: 'createMerchant', summary: 'Create a merchant', body: MerchantInput, response: { 201: Merchant, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(await estate.createMerchant(req.body)));
  app.get('/merchants/:id', { config: read, schema: { ...crud('merchants'), operationId: 'getMerchant', summary: 'A merchant', params: IdParams, response: { 200: Merchant, ...errorResponses } } },
    (req) => estate.getMerchant(req.params.id, req.principal.scope));
  app.patch('/merchants/:id', { config: write, schema: { ...crud('merchants'), operationId: 'updateMerchant', summary: 'Change a merchant', params: IdParams, body: MerchantPatch, response: { 200: Merchant, ...errorResponses } } },
    (req) => estate.updateMerchant(req.params.id, req.body));
  app.delete('/merchants/:id', { config: write, schema: { ...crud('merchants'), operationId: 'deleteMerchant', summary: 'Delete a merchant', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => { await estate.deleteMerchant(req.params.id); return reply.code(204).send(null); });

  // ---- sites
  app.get('/sites', { config: read, schema: { ...crud('sites'), operationId: 'listSites', summary: 'List sites', querystring: ListQuery, response: { 200: Page(Site), ...errorResponses } } },
    (req) => estate.listSites({ ...req.query, limit: req.query.limit ?? 100 }, req.principal.scope));
  app.post('/sites', { config: write, schema: { ...crud('sites'), operationId: 'createSite', summary: 'Create a site', body: SiteInput, response: { 201: Site, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(await estate.createSite(req.body)));
  app.get('/sites/:id', { config: read, schema: { ...crud('sites'), operationId: 'getSite', summary: 'A site', params: IdParams, response: { 200: Site, ...errorResponses } } },
    (req) => estate.getSite(req.params.id, req.principal.scope));
  app.patch('/sites/:id', { config: write, schema: { ...crud('sites'), operationId: 'updateSite', summary: 'Change a site', params: IdParams, body: SitePatch, response: { 200: Site, ...errorResponses } } },
    (req) => estate.updateSite(req.params.id, req.body));
  app.delete('/sites/:id', { config: write, schema: { ...crud('sites'), operationId: 'deleteSite', summary: 'Delete a site', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => { await estate.deleteSite(req.params.id); return reply.code(204).send(null); });

  // ---- terminal models
  app.get('/terminal-models', { config: read, schema: { ...crud('terminal models'), operationId: 'listTerminalModels', summary: 'List terminal models', querystring: ListQuery, response: { 200: Page(TerminalModel), ...errorResponses } } },
    (req) => estate.listModels({ ...req.query, limit: req.query.limit ?? 100 }));
  app.post('/terminal-models', { config: write, schema: { ...crud('terminal models'), operationId: 'createTerminalModel', summary: 'Create a terminal model', body: TerminalModelInput, response: { 201: TerminalModel, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(await estate.createModel(req.body)));
  app.get('/terminal-models/:id', { config: read, schema: { ...crud('terminal models'), operationId: 'getTerminalModel', summary: 'A terminal model', params: IdParams, response: { 200: TerminalModel, ...errorResponses } } },
    (req) => estate.getModel(req.params.id));
  app.patch('/terminal-models/:id', { config: write, schema: { ...crud('terminal models'), operationId: 'updateTerminalModel', summary: 'Change a terminal model', params: IdParams, body: TerminalModelPatch, response: { 200: TerminalModel, ...errorResponses } } },
    (req) => estate.updateModel(req.params.id, req.body));
  app.delete('/terminal-models/:id', { config: write, schema: { ...crud('terminal models'), operationId: 'deleteTerminalModel', summary: 'Delete a terminal model', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => { await estate.deleteModel(req.params.id); return reply.code(204).send(null); });

  // ---- terminals
  app.get('/terminals', { config: read, schema: { ...crud('terminals'), operationId: 'listTerminals', summary: 'List terminals', description: "Filtered and paged (cursor), in the caller's scope.", querystring: TerminalQuery, response: { 200: Page(Terminal), ...errorResponses } } },
    (req) => estate.listTerminals({ ...req.query, limit: req.query.limit ?? 100 }, req.principal.scope));
  app.post('/terminals', { config: write, schema: { ...crud('terminals'), operationId: 'createTerminal', summary: 'Register a terminal', body: TerminalInput, response: { 201: Terminal, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(await estate.createTerminal(req.body)));
  app.post('/terminals/bulk/tags', {
    config: { ...write, auditBody: ['terminalIds', 'add', 'remove'] },
    schema: {
      ...crud('terminals'), operationId: 'tagTerminals', summary: 'Tag or untag chosen terminals',
      description: 'Adds and removes tags on up to 1,000 terminals, with an outcome per terminal in the order given. Repeating it changes nothing more (outcome unchanged).',
      body: BulkTagInput, response: { 200: BulkTagResult, ...errorResponses },
    },
  }, (req) => estate.tagTerminals(req.body, req.principal.scope));
  app.get('/terminals/:id', { config: read, schema: { ...crud('terminals'), operationId: 'getTerminal', summary: 'A terminal', params: IdParams, response: { 200: Terminal, ...errorResponses } } },
    (req) => estate.getTerminal(req.params.id, req.principal.scope));
  app.patch('/terminals/:id', { config: write, schema: { ...crud('terminals'), operationId: 'updateTerminal', summary: 'Change a terminal', params: IdParams, body: TerminalPatch, response: { 200: Terminal, ...errorResponses } } },
    (req) => estate.updateTerminal(req.params.id, req.body));
  app.delete('/terminals/:id', { config: write, schema: { ...crud('terminals'), operationId: 'deleteTerminal', summary: 'Delete a terminal', description: 'Soft delete: history is kept, credentials are revoked.', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => { await estate.deleteTerminal(req.params.id); return reply.code(204).send(null); });

  // Only the import route reads CSV, and only it may send up to 50 MB.
  await app.register(async (scope) => {
    const csv = scope.withTypeProvider<TypeBoxTypeProvider>();
    csv.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    csv.post('/terminals/import', {
      config: write,
      schema: {
        ...crud('terminals'),
        operationId: 'importTerminals', summary: 'Import terminals from CSV', description: 'CSV body (text/csv). Checks every row first; with any bad row nothing is imported unless partial=true.',
        consumes: ['text/csv'],
        querystring: Type.Object({ partial: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
        body: Type.String({ description: 'CSV text' }),
        response: { 200: ImportResult, ...errorResponses },
      },
    }, (req) => estate.importTerminals(req.body, { partial: req.query.partial ?? false }));
  });

  app.get('/terminals/export', {
    config: read,
    schema: { ...crud('terminals'), operationId: 'exportTerminals', summary: 'Export terminals as CSV', description: 'CSV of the matching terminals, streamed.', querystring: Type.Omit(TerminalQuery, ['limit', 'cursor'], { additionalProperties: false }) },
  }, async (req, reply) => {
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="terminals.csv"');
    return reply.send(Readable.from(estate.exportTerminals(req.query, req.principal.scope)));
  });
};
