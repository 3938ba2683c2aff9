// The terminal protocol over HTTP (/device/v1). Every call but enrolment carries the terminal's own
// credential, and a terminal can only ever act as itself: ids come from the credential, not the URL.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../shared/http-schemas.ts';
import type { DeviceService } from './device.service.ts';
import { Command, CommandResultInput, EnrolRequest, EnrolResponse, HeartbeatAnswer, HeartbeatReport } from './device.schemas.ts';

const security = [{ terminalCredential: [] }];

export const deviceRoutes = (device: DeviceService, enrolPerMinute: number): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/enrol', {
    bodyLimit: 4 * 1024,
    config: { rateLimit: { max: enrolPerMinute, timeWindow: '1 minute' } },
    schema: { tags: ['terminal protocol'], operationId: 'enrolTerminal', summary: 'Enrol a terminal with a one-time code', description: "Answers the terminal's credential, which every other /device/v1 call carries.", body: EnrolRequest, response: { 201: EnrolResponse, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await device.enrol(req.body)));

  const authenticate = deviceAuthenticator(device);

  app.post('/heartbeat', {
    bodyLimit: 64 * 1024,
    // A fleet sends tens of thousands of these a second: log only their warnings and errors, and
    // audit only refusals (heartbeats are telemetry, not changes).
    logLevel: 'warn',
    // Security headers are for browsers; a terminal's answer stays small. The limit is per terminal.
    helmet: false,
    config: { telemetry: true, rateLimit: { max: 1200, timeWindow: '1 minute', hook: 'preHandler', keyGenerator: (req) => req.terminalId } },
    onRequest: authenticate,
    schema: { tags: ['terminal protocol'], security, operationId: 'sendHeartbeat', summary: "Report the terminal's state; get its commands and mode", body: HeartbeatReport, response: { 200: HeartbeatAnswer, ...errorResponses } },
  }, (req) => device.heartbeat(req.terminalId, req.body, req.ip));

  app.post('/commands/:commandId/result', {
    bodyLimit: 256 * 1024,
    onRequest: authenticate,
    schema: {
      tags: ['terminal protocol'], security, operationId: 'reportCommandResult', summary: "Report a command's result", params: Type.Object({ commandId: Type.String({ maxLength: 64 }) }),
      body: CommandResultInput, response: { 200: Command, ...errorResponses },
    },
  }, (req) => device.completeCommand(req.terminalId, req.params.commandId, req.body));
};

/** onRequest hook: the terminal behind the credential becomes request.terminalId, or 401. */
export const deviceAuthenticator = (device: DeviceService) => async (request: FastifyRequest) => {
  request.terminalId = await device.authenticate(request.headers.authorization);
};
