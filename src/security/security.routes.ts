// Terminal security over HTTP: settings, a site's geofence, acquirer key policies, a terminal's
// security view and the key inventory.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams, Items, operatorSecurity } from '../shared/http-schemas.ts';
import type { SecurityService } from './security.service.ts';
import {
  GeofenceInput, GeofenceView, KeyInventoryView, KeyPolicyInput, KeyPolicyParams, KeyPolicyView, SecuritySettingsInput, SecuritySettingsView, TerminalSecurityView,
} from './security.schemas.ts';

const tags = ['security'];
const security = operatorSecurity;

export const securityRoutes = (service: SecurityService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/security/settings', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'getSecuritySettings', summary: 'Relocation and key settings', response: { 200: SecuritySettingsView, ...errorResponses } },
  }, () => service.settings());
  app.patch('/security/settings', {
    config: { permission: 'estate:write' },
    schema: { tags, security, operationId: 'updateSecuritySettings', summary: 'Change relocation and key settings', body: SecuritySettingsInput, response: { 200: SecuritySettingsView, ...errorResponses } },
  }, (req) => service.updateSettings(req.body, req.principal.name));

  app.get('/sites/:id/geofence', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'getSiteGeofence', summary: 'A site\'s geofence', params: IdParams, response: { 200: GeofenceView, ...errorResponses } },
  }, (req) => service.geofence(req.params.id, req.principal.scope));
  app.put('/sites/:id/geofence', {
    config: { permission: 'estate:write' },
    schema: {
      tags, security, operationId: 'setSiteGeofence', summary: 'Set a site\'s geofence', params: IdParams, body: GeofenceInput, response: { 200: GeofenceView, ...errorResponses },
      description: 'Centre (default: the site\'s own coordinates) and radius in metres. A terminal seen outside it past the grace period opens a case.',
    },
  }, (req) => service.setGeofence(req.params.id, req.body, req.principal.scope, req.principal.name));
  app.delete('/sites/:id/geofence', {
    config: { permission: 'estate:write' },
    schema: { tags, security, operationId: 'deleteSiteGeofence', summary: 'Remove a site\'s geofence', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deleteGeofence(req.params.id, req.principal.scope);
    return reply.code(204).send(null);
  });

  app.get('/security/key-policies', {
    config: { permission: 'configuration:read' },
    schema: { tags, security, operationId: 'listKeyPolicies', summary: 'The keys each acquirer requires', response: { 200: Items(KeyPolicyView), ...errorResponses } },
  }, () => service.policies());
  app.put('/security/key-policies', {
    config: { permission: 'configuration:schemas' },
    schema: {
      tags, security, operationId: 'saveKeyPolicy', summary: 'Require a key of an acquirer\'s terminals', body: KeyPolicyInput, response: { 200: Items(KeyPolicyView), ...errorResponses },
      description: 'One row per acquirer and key type (TMK, TPK, DUKPT), with the BDK id and/or KCV the key must have. Terminals whose acquirer parameter names it must hold it.',
    },
  }, (req) => service.savePolicy(req.body, req.principal.name));
  app.delete('/security/key-policies/:acquirer/:keyType', {
    config: { permission: 'configuration:schemas' },
    schema: { tags, security, operationId: 'deleteKeyPolicy', summary: 'Stop requiring a key', params: KeyPolicyParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.deletePolicy(req.params.acquirer, req.params.keyType);
    return reply.code(204).send(null);
  });

  app.get('/terminals/:id/security', {
    config: { permission: 'estate:read' },
    schema: {
      tags, security, operationId: 'getTerminalSecurity', summary: 'Where a terminal is, its fingerprint and its keys', params: IdParams, response: { 200: TerminalSecurityView, ...errorResponses },
    },
  }, (req) => service.terminalSecurity(req.params.id, req.principal.scope));
  app.get('/security/key-inventory', {
    config: { permission: 'compliance:read' },
    schema: { tags, security, operationId: 'getKeyInventory', summary: 'Key slots and their problems per terminal', response: { 200: KeyInventoryView, ...errorResponses } },
  }, (req) => service.keyInventory(req.principal.scope));
};
