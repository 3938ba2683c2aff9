// Operator side of the terminal protocol (/api/v1): enrolment codes, credentials, health, commands.
// Every terminal is first looked up within the caller's scope, so out-of-scope terminals are 404s.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { EstateService } from '../estate/estate.service.ts';
import { errorResponses, IdParams, Page, operatorSecurity } from '../shared/http-schemas.ts';
import type { DeviceService } from './device.service.ts';
import { Command, CommandInput, EnrolmentCode, EnrolmentCodeInput, HeartbeatHistoryQuery, HeartbeatRecord, TerminalHealth } from './device.schemas.ts';

const security = operatorSecurity;
const tags = ['terminal protocol'];

export const commandRoutes = (device: DeviceService, estate: EstateService): FastifyPluginAsyncTypebox => async (app) => {
  const visibleTerminal = async (req: { params: { id: string }; principal: FastifyRequest['principal'] }) => (await estate.getTerminal(req.params.id, req.principal.scope)).id;

  app.post('/enrolment-codes', {
    config: { permission: 'terminals:enrol' },
    schema: { tags, security, body: EnrolmentCodeInput, response: { 201: EnrolmentCode, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await device.createEnrolmentCode(req.body, req.principal.name)));

  app.post('/terminals/:id/credentials/revoke', {
    config: { permission: 'terminals:enrol' },
    schema: { tags, security, params: IdParams, response: { 200: Type.Object({ revoked: Type.Integer() }), ...errorResponses } },
  }, async (req) => ({ revoked: await device.revokeCredentials(await visibleTerminal(req)) }));

  app.get('/terminals/:id/health', {
    config: { permission: 'estate:read' },
    schema: { tags, security, description: 'The latest heartbeat and connectivity.', params: IdParams, response: { 200: TerminalHealth, ...errorResponses } },
  }, async (req) => device.health(await visibleTerminal(req)));

  app.get('/terminals/:id/heartbeats', {
    config: { permission: 'estate:read' },
    schema: { tags, security, description: 'Heartbeat history, newest first.', params: IdParams, querystring: HeartbeatHistoryQuery, response: { 200: Page(HeartbeatRecord), ...errorResponses } },
  }, async (req) => device.history(await visibleTerminal(req), req.query));

  app.get('/terminals/:id/commands', {
    config: { permission: 'estate:read' },
    schema: { tags, security, params: IdParams, response: { 200: Type.Object({ items: Type.Array(Command) }), ...errorResponses } },
  }, async (req) => ({ items: await device.listCommands(await visibleTerminal(req)) }));

  app.post('/terminals/:id/commands', {
    config: { permission: 'terminals:command' },
    schema: { tags, security, params: IdParams, body: CommandInput, response: { 201: Command, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await device.queueCommand(await visibleTerminal(req), req.body, req.principal.name)));
};
