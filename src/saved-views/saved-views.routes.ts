// Saved views over HTTP: the signed-in user's own named filters of a list page. Thin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams, Items, operatorSecurity as security } from '../shared/http-schemas.ts';
import { SavedView, SavedViewInput, SavedViewQuery } from './saved-views.schemas.ts';
import type { SavedViewsService } from './saved-views.service.ts';

const tags = ['saved views'];
const mine = { permission: 'signed-in' } as const;

export const savedViewRoutes = (views: SavedViewsService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/saved-views', {
    config: mine,
    schema: { tags, security, operationId: 'listSavedViews', summary: "The caller's saved filters of a list page, by name", querystring: SavedViewQuery, response: { 200: Items(SavedView), ...errorResponses } },
  }, async (req) => ({ items: await views.list(req.principal.userId, req.query.page) }));
  app.post('/saved-views', {
    config: { ...mine, auditBody: ['page', 'name', 'query'] },
    schema: {
      tags, security, operationId: 'saveView', summary: "Save the page's current filters under a name", body: SavedViewInput, response: { 201: SavedView, ...errorResponses },
      description: 'Only the page\'s filter keys are kept; 409 when the caller has a view of that name on the page already.',
    },
  }, async (req, reply) => reply.code(201).send(await views.save(req.principal.userId, req.body)));
  app.delete('/saved-views/:id', {
    config: mine,
    schema: { tags, security, operationId: 'deleteSavedView', summary: 'Remove one of the caller\'s saved views', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => { await views.remove(req.principal.userId, req.params.id); return reply.code(204).send(null); });
};
