// Maintenance KPIs over HTTP. Thin: the service validates the period and applies the caller's scope.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, operatorSecurity } from '../shared/http-schemas.ts';
import { KpiQuery, KpiReport } from './kpis.schemas.ts';
import type { KpisService } from './kpis.service.ts';

export const kpisRoutes = (kpis: KpisService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/kpis', {
    config: { permission: 'estate:read' },
    schema: {
      tags: ['reports'], security: operatorSecurity, operationId: 'getMaintenanceKpis', summary: 'Maintenance KPIs for a period', querystring: KpiQuery, response: { 200: KpiReport, ...errorResponses },
      description: 'Maintenance KPIs for [from, to) — availability, MTBF, MTTR (merchant-restored and repair), PM compliance, planned share, backlog, '
        + 'first-time-fix and remote-fix rates — for the fleet and per merchant, site, model or technician, each with its numerator and denominator. '
        + 'Merchant users see their own merchant; technicians their own work orders. The formulas are in the README ("KPIs").',
    },
  }, (req) => kpis.report(req.query, req.principal.scope));
};
