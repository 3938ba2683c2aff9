// Preventive maintenance over HTTP: templates, plans and their due dates, and ordering due tasks as work
// orders. Thin: the service decides. Work orders, technicians and photos: src/work-orders/.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams, Items, operatorSecurity } from '../shared/http-schemas.ts';
import { actorOf } from '../work-orders/work-orders.service.ts';
import type { PreventiveService } from './preventive.service.ts';
import { OrderDueAnswer, OrderDueInput, PlanInput, PlanView, TemplateInput, TemplatePatch, TemplateView } from './preventive.schemas.ts';

const security = operatorSecurity;
const read = { permission: 'workorders:read' } as const;
const write = { permission: 'workorders:write' } as const;
const pm = ['preventive maintenance'];

export const preventiveRoutes = (preventive: PreventiveService): FastifyPluginAsyncTypebox => async (app) => {
  // ---- templates
  app.get('/preventive/templates', { config: read, schema: { tags: pm, security, operationId: 'listPreventiveTemplates', summary: 'List preventive maintenance templates', response: { 200: Items(TemplateView), ...errorResponses } } },
    () => preventive.listTemplates());
  app.post('/preventive/templates', {
    config: write, schema: { tags: pm, security, operationId: 'createPreventiveTemplate', summary: 'Create a preventive maintenance template', body: TemplateInput, response: { 201: TemplateView, ...errorResponses }, description: '409 when the code is taken.' },
  }, async (req, reply) => reply.code(201).send(await preventive.createTemplate(req.body)));
  app.patch('/preventive/templates/:id', { config: write, schema: { tags: pm, security, operationId: 'updatePreventiveTemplate', summary: 'Change a preventive maintenance template', params: IdParams, body: TemplatePatch, response: { 200: TemplateView, ...errorResponses } } },
    (req) => preventive.updateTemplate(req.params.id, req.body));

  // ---- plans
  app.post('/preventive/plans', {
    config: write,
    schema: {
      tags: pm, security, operationId: 'createPreventivePlan', summary: 'Create a preventive maintenance plan', body: PlanInput, response: { 201: PlanView, ...errorResponses },
      description: "Applies templates to the terminals the filter matches; each (terminal, template) gets its next due date with the factors (usage, environment) that made it.",
    },
  }, async (req, reply) => reply.code(201).send(await preventive.createPlan(req.body, actorOf(req.principal))));
  app.get('/preventive/plans/:id', { config: read, schema: { tags: pm, security, operationId: 'getPreventivePlan', summary: 'A preventive maintenance plan with its tasks', params: IdParams, response: { 200: PlanView, ...errorResponses } } },
    (req) => preventive.getPlan(req.params.id));
  app.post('/preventive/plans/:id/work-orders', {
    config: write,
    schema: {
      tags: pm, security, params: IdParams, body: OrderDueInput, response: { 201: OrderDueAnswer, ...errorResponses },
      operationId: 'orderDuePreventiveWork', summary: 'Order the due technician work of a plan',
      description: 'Orders the technician tasks due by `until`: one work order per site, so a technician does a site\'s due tasks in one visit. Says why the other tasks were not ordered (codes with counts) and which new work orders no technician\'s region covers.',
    },
  }, async (req, reply) => reply.code(201).send(await preventive.orderDue(req.params.id, req.body.until, actorOf(req.principal))));

  // Parts used on a work order and spare-part stock: src/spares/spares.routes.ts.
};
