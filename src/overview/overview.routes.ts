// GET /api/v1/overview: the dashboard's first page in one answer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, operatorSecurity as security } from '../shared/http-schemas.ts';
import { OverviewQuery, OverviewView } from './overview.schemas.ts';
import type { OverviewService } from './overview.service.ts';

export const overviewRoutes = (overview: OverviewService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/overview', {
    config: { permission: 'estate:read' },
    schema: {
      tags: ['dashboard'], security, operationId: 'getOverview', summary: "The dashboard's overview", querystring: OverviewQuery, response: { 200: OverviewView, ...errorResponses },
      description: 'Open incidents by severity, work orders open, due within 24 hours and overdue, the fleet health score, and per local day '
        + 'the incidents opened, maintenance jobs started, work orders done and the health score at the day\'s end, for what the caller may see.',
    },
  }, (req) => overview.overview(req.query, req.principal.scope));
};
