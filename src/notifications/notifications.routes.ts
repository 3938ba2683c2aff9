// Notification channels and deliveries over HTTP: operators set up where merchants and the fleet team
// hear about maintenance, watch deliveries, and replay parked ones.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams, operatorSecurity, Page } from '../shared/http-schemas.ts';
import type { ChannelsService } from './channels.service.ts';
import type { NotificationService } from './notifications.service.ts';
import { Channel, ChannelInput, ChannelPatch, ChannelTestResult, CreatedChannel, Delivery, DeliveryQuery, DeliveryWithAttempts } from './notifications.schemas.ts';

const tags = ['notifications'];
const security = operatorSecurity;
const config = { permission: 'notifications:write' } as const;

export const notificationRoutes = (notifications: NotificationService, channels: ChannelsService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/notification-channels', {
    config, schema: { tags, security, operationId: 'listNotificationChannels', summary: 'List notification channels', querystring: Type.Object({ merchantId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }), response: { 200: Type.Object({ items: Type.Array(Channel) }), ...errorResponses } },
  }, async (req) => ({ items: await channels.listChannels({ ...(req.query.merchantId && { merchantId: req.query.merchantId }) }) }));
  app.post('/notification-channels', {
    config, schema: { tags, security, operationId: 'createNotificationChannel', summary: 'Create a notification channel', description: 'A webhook\'s secret is shown once, in this answer; a DingTalk robot\'s secret (given here) is never shown.', body: ChannelInput, response: { 201: CreatedChannel, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await channels.createChannel(req.body)));
  app.get('/notification-channels/:id', { config, schema: { tags, security, operationId: 'getNotificationChannel', summary: 'A notification channel', params: IdParams, response: { 200: Channel, ...errorResponses } } },
    (req) => channels.getChannel(req.params.id));
  app.patch('/notification-channels/:id', { config, schema: { tags, security, operationId: 'updateNotificationChannel', summary: 'Change a notification channel', params: IdParams, body: ChannelPatch, response: { 200: Channel, ...errorResponses } } },
    (req) => channels.updateChannel(req.params.id, req.body));
  app.post('/notification-channels/:id/test', {
    config, schema: {
      tags, security, params: IdParams, response: { 200: ChannelTestResult, ...errorResponses },
      operationId: 'testNotificationChannel', summary: 'Send a test message to a channel',
      description: 'Sends a short test message now (quiet hours and the rate limit do not apply; no retry) and answers how the receiver took it. Not kept as a delivery.',
    },
  }, (req) => channels.sendTest(req.params.id));
  app.post('/notification-channels/:id/rotate-secret', { config, schema: { tags, security, operationId: 'rotateNotificationChannelSecret', summary: "Rotate a webhook channel's signing secret", description: 'The new secret is in this answer only.', params: IdParams, response: { 200: Type.Object({ secret: Type.String() }), ...errorResponses } } },
    (req) => channels.rotateSecret(req.params.id));
  app.delete('/notification-channels/:id', { config, schema: { tags, security, operationId: 'deleteNotificationChannel', summary: 'Delete a notification channel', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => { await channels.deleteChannel(req.params.id); return reply.code(204).send(null); });

  app.get('/notification-deliveries', { config, schema: { tags, security, operationId: 'listNotificationDeliveries', summary: 'List notification deliveries', querystring: DeliveryQuery, response: { 200: Page(Delivery), ...errorResponses } } },
    (req) => notifications.listDeliveries(req.query));
  app.get('/notification-deliveries/:id', { config, schema: { tags, security, operationId: 'getNotificationDelivery', summary: 'A notification delivery with its attempts', params: IdParams, response: { 200: DeliveryWithAttempts, ...errorResponses } } },
    (req) => notifications.getDelivery(req.params.id));
  app.post('/notification-deliveries/:id/replay', {
    config, schema: { tags, security, operationId: 'replayNotificationDelivery', summary: 'Send a parked delivery again', description: 'Sends a parked delivery again with a fresh round of attempts.', params: IdParams, response: { 200: Delivery, ...errorResponses } },
  }, (req) => notifications.replay(req.params.id));
};
