// Operator side of the terminal protocol (/api/v1): enrolment codes, credentials, health, commands.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams, Page } from '../shared/http-schemas.ts';
import type { DeviceService } from './device.service.ts';
import { Command, CommandInput, EnrolmentCode, EnrolmentCodeInput, HeartbeatHistoryQuery, HeartbeatRecord, TerminalHealth } from './device.schemas.ts';

const security = [{ operatorToken: [] }];
const tags = ['terminal protocol'];

export const commandRoutes = (device: DeviceService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/enrolment-codes', {
    schema: { tags, security, body: EnrolmentCodeInput, response: { 201: EnrolmentCode, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await device.createEnrolmentCode(req.body, req.operator.name)));

  app.post('/terminals/:id/credentials/revoke', {
    schema: { tags, security, params: IdParams, response: { 200: Type.Object({ revoked: Type.Integer() }), ...errorResponses } },
  }, async (req) => ({ revoked: await device.revokeCredentials(req.params.id) }));

  app.get('/terminals/:id/health', {
    schema: { tags, security, description: 'The latest heartbeat and connectivity.', params: IdParams, response: { 200: TerminalHealth, ...errorResponses } },
  }, (req) => device.health(req.params.id));

  app.get('/terminals/:id/heartbeats', {
    schema: { tags, security, description: 'Heartbeat history, newest first.', params: IdParams, querystring: HeartbeatHistoryQuery, response: { 200: Page(HeartbeatRecord), ...errorResponses } },
  }, (req) => device.history(req.params.id, req.query));

  app.get('/terminals/:id/commands', {
    schema: { tags, security, params: IdParams, response: { 200: Type.Object({ items: Type.Array(Command) }), ...errorResponses } },
  }, async (req) => ({ items: await device.listCommands(req.params.id) }));

  app.post('/terminals/:id/commands', {
    schema: { tags, security, params: IdParams, body: CommandInput, response: { 201: Command, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await device.queueCommand(req.params.id, req.body, req.operator.name)));
};
