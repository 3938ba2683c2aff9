// Preventive maintenance and work orders over HTTP: templates, plans and their due dates, work orders
// (lifecycle, checklist, parts, assignment suggestions), technicians and spare parts. Thin: the service
// decides; technicians reach only their own work orders (the repository's queries enforce it).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Principal } from '../access/access.service.ts';
import { errorResponses, IdParams, Items, operatorSecurity } from '../shared/http-schemas.ts';
import type { Actor, PreventiveService } from './preventive.service.ts';
import type { WorkOrderPhotos } from './work-order-photos.ts';
import {
  AssignInput, ChecklistInput, ChecklistPhotoInput, PhotoView, OrderDueInput, PlanInput, PlanView, StatusInput, SuggestionView, TechnicianInput,
  TechnicianView, TemplateInput, TemplatePatch, TemplateView, WorkOrderInput, WorkOrderListQuery, WorkOrderSummary, WorkOrderView,
} from './preventive.schemas.ts';

const security = operatorSecurity;
const read = { permission: 'workorders:read' } as const;
const write = { permission: 'workorders:write' } as const;
const update = { permission: 'workorders:update' } as const;
const pm = ['preventive maintenance'];
const wo = ['work orders'];

const actorOf = (p: Principal): Actor => ({ id: p.userId, name: p.name, scope: p.scope });

export const preventiveRoutes = (preventive: PreventiveService, photos: WorkOrderPhotos): FastifyPluginAsyncTypebox => async (app) => {
  // ---- templates
  app.get('/preventive/templates', { config: read, schema: { tags: pm, security, response: { 200: Items(TemplateView), ...errorResponses } } },
    () => preventive.listTemplates());
  app.post('/preventive/templates', {
    config: write, schema: { tags: pm, security, body: TemplateInput, response: { 201: TemplateView, ...errorResponses }, description: '409 when the code is taken.' },
  }, async (req, reply) => reply.code(201).send(await preventive.createTemplate(req.body)));
  app.patch('/preventive/templates/:id', { config: write, schema: { tags: pm, security, params: IdParams, body: TemplatePatch, response: { 200: TemplateView, ...errorResponses } } },
    (req) => preventive.updateTemplate(req.params.id, req.body));

  // ---- plans
  app.post('/preventive/plans', {
    config: write,
    schema: {
      tags: pm, security, body: PlanInput, response: { 201: PlanView, ...errorResponses },
      description: "Applies templates to the terminals the filter matches; each (terminal, template) gets its next due date with the factors (usage, environment) that made it.",
    },
  }, async (req, reply) => reply.code(201).send(await preventive.createPlan(req.body, actorOf(req.principal))));
  app.get('/preventive/plans/:id', { config: read, schema: { tags: pm, security, params: IdParams, response: { 200: PlanView, ...errorResponses } } },
    (req) => preventive.getPlan(req.params.id));
  app.post('/preventive/plans/:id/work-orders', {
    config: write,
    schema: {
      tags: pm, security, params: IdParams, body: OrderDueInput, response: { 201: Items(WorkOrderView), ...errorResponses },
      description: 'Orders the technician tasks due by `until`: one work order per site, so a technician does a site\'s due tasks in one visit.',
    },
  }, async (req, reply) => reply.code(201).send(await preventive.orderDue(req.params.id, req.body.until, actorOf(req.principal))));

  // ---- technicians
  app.get('/technicians', { config: read, schema: { tags: wo, security, response: { 200: Items(TechnicianView), ...errorResponses } } }, () => preventive.listTechnicians());
  app.post('/technicians', {
    config: write, schema: { tags: wo, security, body: TechnicianInput, response: { 201: TechnicianView, ...errorResponses }, description: 'Makes a user with the technician role assignable, with skills and regions.' },
  }, async (req, reply) => reply.code(201).send(await preventive.createTechnician(req.body)));

  // ---- work orders
  app.get('/work-orders', {
    config: read, schema: { tags: wo, security, querystring: WorkOrderListQuery, response: { 200: Items(WorkOrderSummary), ...errorResponses }, description: 'Newest first; technicians see only their own.' },
  }, (req) => preventive.listWorkOrders(req.query, req.principal.scope));
  app.post('/work-orders', {
    config: write, schema: { tags: wo, security, body: WorkOrderInput, response: { 201: WorkOrderView, ...errorResponses }, description: "A work order by hand or from a merchant's request." },
  }, async (req, reply) => reply.code(201).send(await preventive.createWorkOrder(req.body, actorOf(req.principal))));
  app.get('/work-orders/:id', { config: read, schema: { tags: wo, security, params: IdParams, response: { 200: WorkOrderView, ...errorResponses } } },
    (req) => preventive.getWorkOrder(req.params.id, req.principal.scope));
  app.post('/work-orders/:id/assign', { config: write, schema: { tags: wo, security, params: IdParams, body: AssignInput, response: { 200: WorkOrderView, ...errorResponses } } },
    (req) => preventive.assign(req.params.id, req.body, actorOf(req.principal)));
  app.get('/work-orders/:id/suggestions', {
    config: write, schema: { tags: wo, security, params: IdParams, response: { 200: SuggestionView, ...errorResponses }, description: 'Technicians ranked by region, skill and load.' },
  }, (req) => preventive.suggest(req.params.id, req.principal.scope));
  app.post('/work-orders/:id/status', {
    config: update,
    schema: {
      tags: wo, security, params: IdParams, body: StatusInput, response: { 200: WorkOrderView, ...errorResponses },
      description: 'open → assigned → in_progress → on_hold → done / cancelled. 409 for an impossible move or, for done, unanswered required checklist items.',
    },
  }, (req) => preventive.changeStatus(req.params.id, req.body, actorOf(req.principal)));
  app.post('/work-orders/:id/checklist', {
    config: update, schema: { tags: wo, security, params: IdParams, body: ChecklistInput, response: { 200: WorkOrderView, ...errorResponses }, description: 'pass / fail / n/a per item; a failed item with followUp opens a follow-up work order.' },
  }, (req) => preventive.recordChecklist(req.params.id, req.body, actorOf(req.principal)));
  app.post('/work-orders/:id/checklist/:itemId/photos', {
    config: update,
    // A 2 MB photo is ~2.7 MB of base64: the limit leaves room to answer a larger one with a 400 naming the field.
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      tags: wo, security, params: Type.Object({ id: IdParams.properties.id, itemId: IdParams.properties.id }), body: ChecklistPhotoInput,
      response: { 201: PhotoView, ...errorResponses }, description: 'A JPEG or PNG photo (≤ 2 MB) taken at a checklist item; 409 once the work order is closed.',
    },
  }, async (req, reply) => reply.code(201).send(await photos.add(req.params.id, req.params.itemId, req.body, actorOf(req.principal))));
  app.get('/work-orders/:id/photos/:photoId', {
    config: read,
    schema: { tags: wo, security, params: Type.Object({ id: IdParams.properties.id, photoId: IdParams.properties.id }), description: 'The photo as uploaded (checked against its SHA-256).' },
  }, async (req, reply) => {
    const photo = await photos.read(req.params.id, req.params.photoId, req.principal.scope);
    return reply.header('content-type', photo.contentType).header('x-content-sha256', photo.sha256)
      .header('cache-control', 'private, max-age=3600').header('content-disposition', 'inline').send(photo.bytes);
  });
  // Parts used on a work order and spare-part stock: src/spares/spares.routes.ts.
};
