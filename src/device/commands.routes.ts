// Operator side of the terminal protocol (/api/v1): enrolment codes, credentials, health, commands.
// Every terminal is first looked up within the caller's scope, so out-of-scope terminals are 404s.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { EstateService } from '../estate/estate.service.ts';
import { errorResponses, IdParams, Page, operatorSecurity } from '../shared/http-schemas.ts';
import type { DeviceService } from './device.service.ts';
import { BulkCommandInput, BulkCommandResult, Command, CommandInput, EnrolmentCode, EnrolmentCodeInput, HeartbeatHistoryQuery, HeartbeatRecord, TerminalHealth } from './device.schemas.ts';

const security = operatorSecurity;
const tags = ['terminal protocol'];

export const commandRoutes = (device: DeviceService, estate: EstateService): FastifyPluginAsyncTypebox => async (app) => {
  const visibleTerminal = async (req: { params: { id: string }; principal: FastifyRequest['principal'] }) => (await estate.getTerminal(req.params.id, req.principal.scope)).id;

  app.post('/enrolment-codes', {
    config: { permission: 'terminals:enrol' },
    schema: { tags, security, operationId: 'createEnrolmentCode', summary: 'Create an enrolment code for a terminal', description: 'The one-time code a terminal enrols with (POST /device/v1/enrol).', body: EnrolmentCodeInput, response: { 201: EnrolmentCode, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await device.createEnrolmentCode(req.body, req.principal.name)));

  app.post('/terminals/:id/credentials/revoke', {
    config: { permission: 'terminals:enrol' },
    schema: { tags, security, operationId: 'revokeTerminalCredentials', summary: "Revoke a terminal's credentials", description: 'The terminal must enrol again; answers how many credentials were revoked.', params: IdParams, response: { 200: Type.Object({ revoked: Type.Integer() }), ...errorResponses } },
  }, async (req) => ({ revoked: await device.revokeCredentials(await visibleTerminal(req)) }));

  app.get('/terminals/:id/health', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'getTerminalHealth', summary: "A terminal's latest heartbeat and connectivity", description: 'The latest heartbeat and connectivity.', params: IdParams, response: { 200: TerminalHealth, ...errorResponses } },
  }, async (req) => device.health(await visibleTerminal(req)));

  app.get('/terminals/:id/heartbeats', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'listTerminalHeartbeats', summary: "A terminal's heartbeat history", description: 'Heartbeat history, newest first.', params: IdParams, querystring: HeartbeatHistoryQuery, response: { 200: Page(HeartbeatRecord), ...errorResponses } },
  }, async (req) => device.history(await visibleTerminal(req), req.query));

  app.get('/terminals/:id/commands', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'listTerminalCommands', summary: 'Commands sent to a terminal', params: IdParams, response: { 200: Type.Object({ items: Type.Array(Command) }), ...errorResponses } },
  }, async (req) => ({ items: await device.listCommands(await visibleTerminal(req)) }));

  app.post('/terminals/:id/commands', {
    config: { permission: 'terminals:command' },
    schema: {
      tags, security, operationId: 'sendTerminalCommand', summary: 'Send a command to a terminal', description: 'Queues a command for the terminal\'s next heartbeat. The same command asked again while it still waits answers 200 with the one already queued, so a double click does not run it twice.',
      params: IdParams, body: CommandInput, response: { 201: Command, 200: Command, ...errorResponses },
    },
  }, async (req, reply) => {
    const { command, created } = await device.queueCommandOnce(await visibleTerminal(req), req.body, req.principal.name);
    return reply.code(created ? 201 : 200).send(command);
  });

  app.post('/terminals/bulk/commands', {
    config: { permission: 'terminals:command', auditBody: ['terminalIds', 'type'] },
    schema: {
      tags, security, operationId: 'commandTerminals', summary: 'Send one command to chosen terminals',
      description: 'Queues the command for up to 1,000 terminals, with an outcome per terminal in the order given; a terminal outside your scope is not_found and does not stop the others. Repeating it adds nothing while the commands wait (already_queued).',
      body: BulkCommandInput, response: { 200: BulkCommandResult, ...errorResponses },
    },
  }, async (req) => {
    const items: BulkCommandResult['items'] = [];
    for (const terminalId of req.body.terminalIds) {
      const visible = await estate.getTerminal(terminalId, req.principal.scope).then((t) => !t.deletedAt, () => false);
      if (!visible) { items.push({ terminalId, outcome: 'not_found', commandId: null }); continue; }
      const { command, created } = await device.queueCommandOnce(terminalId, { type: req.body.type }, req.principal.name);
      items.push({ terminalId, outcome: created ? 'queued' : 'already_queued', commandId: command.id });
    }
    return { items };
  });
};
