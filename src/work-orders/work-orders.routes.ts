// Work orders over HTTP: work orders (lifecycle, checklist, photos, assignment suggestions), merchants'
// requests and technicians. Thin: the services decide; technicians reach only their own work orders (the
// repository's queries enforce it). Parts used on a work order: src/spares/spares.routes.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams, Items, operatorSecurity } from '../shared/http-schemas.ts';
import type { TechniciansService } from './technicians.service.ts';
import type { WorkOrderPhotos } from './work-order-photos.service.ts';
import {
  AssignInput, ChecklistInput, ChecklistPhotoInput, PhotoView, StatusInput, SuggestionView, TechnicianInput, TechnicianView, WorkOrderInput, WorkOrderListQuery,
  WorkOrderRequestInput, WorkOrderRequestsQuery, WorkOrderSummary, WorkOrderView,
} from './work-orders.schemas.ts';
import { actorOf, type WorkOrdersService } from './work-orders.service.ts';

const security = operatorSecurity;
const read = { permission: 'workorders:read' } as const;
const write = { permission: 'workorders:write' } as const;
const update = { permission: 'workorders:update' } as const;
const request = { permission: 'workorders:request' } as const;
const wo = ['work orders'];

export const workOrderRoutes = (workOrders: WorkOrdersService, technicians: TechniciansService, photos: WorkOrderPhotos): FastifyPluginAsyncTypebox => async (app) => {
  // ---- technicians
  app.get('/technicians', { config: read, schema: { tags: wo, security, operationId: 'listTechnicians', summary: 'List technicians', response: { 200: Items(TechnicianView), ...errorResponses } } }, () => technicians.listTechnicians());
  app.post('/technicians', {
    config: write, schema: { tags: wo, security, operationId: 'createTechnician', summary: 'Register a technician', body: TechnicianInput, response: { 201: TechnicianView, ...errorResponses }, description: 'Makes a user with the technician role assignable, with skills and regions.' },
  }, async (req, reply) => reply.code(201).send(await technicians.createTechnician(req.body)));

  // ---- work orders
  app.get('/work-orders', {
    config: read, schema: { tags: wo, security, operationId: 'listWorkOrders', summary: 'List work orders', querystring: WorkOrderListQuery, response: { 200: Items(WorkOrderSummary), ...errorResponses }, description: 'Newest first; technicians see only their own.' },
  }, (req) => workOrders.listWorkOrders(req.query, req.principal.scope));
  app.post('/work-orders', {
    config: write, schema: { tags: wo, security, operationId: 'createWorkOrder', summary: 'Create a work order', body: WorkOrderInput, response: { 201: WorkOrderView, ...errorResponses }, description: "A work order by hand or from a merchant's request." },
  }, async (req, reply) => reply.code(201).send(await workOrders.createWorkOrder(req.body, actorOf(req.principal))));
  app.get('/work-orders/:id', { config: read, schema: { tags: wo, security, operationId: 'getWorkOrder', summary: 'A work order', params: IdParams, response: { 200: WorkOrderView, ...errorResponses } } },
    (req) => workOrders.getWorkOrder(req.params.id, req.principal.scope));
  app.post('/work-orders/:id/assign', { config: write, schema: { tags: wo, security, operationId: 'assignWorkOrder', summary: 'Assign a work order to a technician', params: IdParams, body: AssignInput, response: { 200: WorkOrderView, ...errorResponses } } },
    (req) => workOrders.assign(req.params.id, req.body, actorOf(req.principal)));
  app.get('/work-orders/:id/suggestions', {
    config: write, schema: { tags: wo, security, operationId: 'suggestTechnicians', summary: 'Technicians suggested for a work order', params: IdParams, response: { 200: SuggestionView, ...errorResponses }, description: 'Technicians ranked by region, skill and load.' },
  }, (req) => technicians.suggest(req.params.id, req.principal.scope));
  app.post('/work-orders/:id/status', {
    config: update,
    schema: {
      tags: wo, security, operationId: 'changeWorkOrderStatus', summary: 'Move a work order on', params: IdParams, body: StatusInput, response: { 200: WorkOrderView, ...errorResponses },
      description: 'open → assigned → in_progress → on_hold → done / cancelled. 409 for an impossible move or, for done, unanswered required checklist items.',
    },
  }, (req) => workOrders.changeStatus(req.params.id, req.body, actorOf(req.principal)));
  app.post('/work-orders/:id/checklist', {
    config: update, schema: { tags: wo, security, operationId: 'recordWorkOrderChecklist', summary: "Answer a work order's checklist items", params: IdParams, body: ChecklistInput, response: { 200: WorkOrderView, ...errorResponses }, description: 'pass / fail / n/a per item; a failed item with followUp opens a follow-up work order.' },
  }, (req) => workOrders.recordChecklist(req.params.id, req.body, actorOf(req.principal)));
  app.post('/work-orders/:id/checklist/:itemId/photos', {
    config: update,
    // A 2 MB photo is ~2.7 MB of base64: the limit leaves room to answer a larger one with a 400 naming the field.
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      tags: wo, security, operationId: 'addChecklistPhoto', summary: 'Add a photo to a checklist item', params: Type.Object({ id: IdParams.properties.id, itemId: IdParams.properties.id }), body: ChecklistPhotoInput,
      response: { 201: PhotoView, ...errorResponses }, description: 'A JPEG or PNG photo (≤ 2 MB) taken at a checklist item; 409 once the work order is closed.',
    },
  }, async (req, reply) => reply.code(201).send(await photos.add(req.params.id, req.params.itemId, req.body, actorOf(req.principal))));
  app.get('/work-orders/:id/photos/:photoId', {
    config: read,
    schema: { tags: wo, security, operationId: 'getWorkOrderPhoto', summary: "A work order's photo", params: Type.Object({ id: IdParams.properties.id, photoId: IdParams.properties.id }), description: 'The photo as uploaded (checked against its SHA-256).' },
  }, async (req, reply) => {
    const photo = await photos.read(req.params.id, req.params.photoId, req.principal.scope);
    return reply.header('content-type', photo.contentType).header('x-content-sha256', photo.sha256)
      .header('cache-control', 'private, max-age=3600').header('content-disposition', 'inline').send(photo.bytes);
  });

  // ---- merchants' requests
  app.post('/work-orders/requests', {
    config: request,
    schema: {
      tags: wo, security, operationId: 'requestWorkOrder', summary: 'Request work at a site (merchants)', body: WorkOrderRequestInput, response: { 201: WorkOrderView, ...errorResponses },
      description: "A merchant's request for work at a site (and terminals) of their own: an open work order of source merchant_request for operators to triage. 404 for a site or terminal outside the caller's merchant.",
    },
  }, async (req, reply) => reply.code(201).send(await workOrders.requestWorkOrder(req.body, actorOf(req.principal))));
  app.get('/work-orders/requests', {
    config: request,
    schema: { tags: wo, security, operationId: 'listWorkOrderRequests', summary: "Merchants' work order requests", querystring: WorkOrderRequestsQuery, response: { 200: Items(WorkOrderSummary), ...errorResponses }, description: "Merchants' requests, newest first; merchant users see their own merchant's." },
  }, (req) => workOrders.listRequests(req.query, req.principal.scope));
};
