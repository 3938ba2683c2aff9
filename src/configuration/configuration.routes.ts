// Terminal configuration over HTTP. Operators (and merchants, for what the schema lets them edit):
// schemas, saved groups, values per level with diff, history and revert, a terminal's effective
// configuration, TID/MID CSV. Terminals (/device/v1): their own effective configuration. Thin.
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { HeldAnswer, localeOf, type FourEyes } from '../shared/four-eyes.ts';
import { errorResponses, IdParams, Items, operatorSecurity as security } from '../shared/http-schemas.ts';
import type { ConfigurationCampaigns } from './configuration-campaigns.service.ts';
import type { ConfigurationHistory } from './configuration-history.service.ts';
import type { ConfigurationLevels } from './configuration-levels.service.ts';
import type { ConfigurationDelivery } from './delivery.service.ts';
import type { EffectiveConfiguration } from './effective-configuration.service.ts';
import type { ParameterSchemas } from './parameter-schemas.service.ts';
import type { SavedGroups } from './saved-groups.service.ts';
import type { TerminalValuesCsv } from './terminal-values-csv.service.ts';
import {
  ChangeCampaignInput, ChangeListQuery, ChangeView, ConfigurationHint, ConfigurationReport, CsvImportResult, DeviceConfiguration, DiffView, EffectiveView, GroupInput, GroupView, LevelParams, LevelView, RevertInput, SchemaInput, SchemaView, SetInput, SetResult, VersionView,
} from './configuration.schemas.ts';

const read = { permission: 'configuration:read' } as const;
const write = { permission: 'configuration:write' } as const;
const admin = { permission: 'configuration:schemas' } as const;
const tags = ['configuration'];
const actor = (req: FastifyRequest) => ({ name: req.principal.name, scope: req.principal.scope });

/** The configuration use cases the routes call (built in services.ts). */
export interface ConfigurationUseCases {
  schemas: ParameterSchemas;
  groups: SavedGroups;
  levels: ConfigurationLevels;
  history: ConfigurationHistory;
  effective: EffectiveConfiguration;
  csv: TerminalValuesCsv;
  delivery: ConfigurationDelivery;
  campaigns: ConfigurationCampaigns<unknown>;
}

export const configurationRoutes = ({ schemas, groups, levels, history, effective, csv: csvValues, delivery, campaigns }: ConfigurationUseCases, fourEyes: FourEyes): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/configuration/changes', {
    config: read,
    schema: { tags, security, operationId: 'listConfigurationChanges', summary: 'Changes that need terminals out of service: pending, being delivered by a campaign, or done', querystring: ChangeListQuery, response: { 200: Items(ChangeView), ...errorResponses } },
  }, async (req) => ({ items: await campaigns.list(req.query, actor(req)) }));
  app.get('/configuration/changes/:id', {
    config: read, schema: { tags, security, operationId: 'getConfigurationChange', summary: 'One change that needs terminals out of service', params: IdParams, response: { 200: ChangeView, ...errorResponses } },
  }, (req) => campaigns.get(req.params.id, actor(req)));
  app.post('/configuration/changes/:id/campaign', {
    config: { permission: 'rollouts:write', auditBody: ['name', 'waves', 'maxFailureRate', 'observeMinutes', 'singleTerminalSites', 'singleTerminalSitesReason'] },
    schema: {
      tags, security, operationId: 'deliverConfigurationChange', summary: 'Delivers a pending change as a configuration campaign: waves inside maintenance windows, halted when payments get worse',
      description: 'A cancelled change is delivered again to the terminals under its level that do not run it (those that kept it are left alone).',
      params: IdParams, body: ChangeCampaignInput, response: { 201: ChangeView, ...errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(await campaigns.deliver(req.params.id, req.body, actor(req))));
  app.post('/configuration/changes/:id/discard', {
    config: write, schema: { tags, security, operationId: 'discardConfigurationChange', summary: 'Drops a pending change (nothing was delivered)', params: IdParams, response: { 200: ChangeView, ...errorResponses } },
  }, (req) => campaigns.discard(req.params.id, actor(req)));

  app.get('/configuration/schemas', {
    config: read, schema: { tags, security, operationId: 'listParameterSchemas', summary: 'Parameter schemas, the current one marked', response: { 200: Items(SchemaView), ...errorResponses } },
  }, async () => ({ items: await schemas.listSchemas() }));
  app.post('/configuration/schemas', {
    config: admin,
    schema: {
      tags, security, operationId: 'registerParameterSchema', summary: "Registers an application version's parameter schema (it becomes the current one)",
      body: SchemaInput, response: { 201: SchemaView, ...errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(await schemas.registerSchema(req.body, req.principal.name)));

  app.get('/configuration/groups', {
    config: read, schema: { tags, security, operationId: 'listConfigurationGroups', summary: 'Saved groups of terminals values can be set for', response: { 200: Items(GroupView), ...errorResponses } },
  }, async () => ({ items: await groups.listGroups() }));
  app.post('/configuration/groups', {
    config: admin,
    schema: { tags, security, operationId: 'createConfigurationGroup', summary: 'Saves a group of terminals (merchant, site, model, tag)', body: GroupInput, response: { 201: GroupView, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await groups.createGroup(req.body, req.principal.name)));

  app.get('/configuration/levels/:level/:scopeId', {
    config: read, schema: { tags, security, operationId: 'getConfigurationLevel', summary: 'The values set at one level (secrets masked)', params: LevelParams, response: { 200: LevelView, ...errorResponses } },
  }, (req) => levels.getLevel(req.params.level, req.params.scopeId, actor(req)));
  app.post('/configuration/levels/:level/:scopeId/diff', {
    config: read,
    schema: {
      tags, security, operationId: 'previewConfigurationChange', summary: 'What a change would do (old → new, terminals affected, maintenance needed), without storing it',
      params: LevelParams, body: Type.Pick(SetInput, ['values']), response: { 200: DiffView, ...errorResponses },
    },
  }, (req) => levels.preview(req.params.level, req.params.scopeId, req.body, actor(req)));
  app.patch('/configuration/levels/:level/:scopeId', {
    config: { ...write, auditBody: ['reason', 'expectedVersion'] },
    schema: {
      tags, security, operationId: 'setConfigurationValues', summary: 'Sets (or with null removes) parameters at one level, checked against the schema, as its next version',
      params: LevelParams, body: SetInput, response: { 200: SetResult, 202: HeldAnswer, ...errorResponses },
      description: 'A change of a parameter the schema says needs the terminal out of service (acquirer host and port, TID/MID, keys) waits (202, state awaiting_approval) until a second person approves it (four eyes); the reason is theirs to read.',
    },
  }, async (req, reply) => {
    // What the change does, checked as the change itself would be: acquirer and key parameters are those
    // the schema marks `applies: maintenance`.
    const diff = await levels.preview(req.params.level, req.params.scopeId, req.body, actor(req));
    if (diff.needsMaintenance) {
      const held = await fourEyes.hold({
        kind: 'acquirer_parameters', payload: { level: req.params.level, scopeId: req.params.scopeId, input: req.body, scope: req.principal.scope },
        summary: { level: req.params.level, scopeId: diff.scopeId, parameters: diff.changes.map((c) => c.parameter), terminals: diff.terminals },
        objectId: diff.scopeId || null, reason: req.body.reason, field: 'reason',
      }, req.principal, localeOf(req.principal.locale, req.headers['accept-language']));
      if (held) return reply.code(202).send(held);
    }
    return levels.set(req.params.level, req.params.scopeId, req.body, actor(req));
  });
  app.get('/configuration/levels/:level/:scopeId/history', {
    config: read, schema: { tags, security, operationId: 'configurationHistory', summary: "A level's versions, newest first: who, when, why, old → new", params: LevelParams, response: { 200: Items(VersionView), ...errorResponses } },
  }, async (req) => ({ items: await history.history(req.params.level, req.params.scopeId, actor(req)) }));
  app.post('/configuration/levels/:level/:scopeId/revert', {
    config: { ...write, auditBody: ['reason', 'version'] },
    schema: { tags, security, operationId: 'revertConfiguration', summary: 'Gives a level back the values of an earlier version, as a new version', params: LevelParams, body: RevertInput, response: { 200: SetResult, ...errorResponses } },
  }, (req) => history.revert(req.params.level, req.params.scopeId, req.body, actor(req)));

  app.get('/terminals/:id/configuration', {
    config: read,
    schema: { tags, security, operationId: 'terminalConfiguration', summary: "A terminal's effective configuration: every value with the level it came from, and what the terminal applied", params: IdParams, response: { 200: EffectiveView, ...errorResponses } },
  }, async (req) => effective.effectiveFor(req.params.id, actor(req), await delivery.appliedOf(req.params.id)));

  app.get('/configuration/terminal-values/export', {
    config: { permission: 'configuration:schemas' },
    schema: { tags, security, operationId: 'exportTerminalValues', summary: 'TID, MID and the other terminal-only parameters as CSV (serial_number first)' },
  }, async (_req, reply) => {
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="terminal-values.csv"');
    return reply.send(await csvValues.exportCsv());
  });
  await app.register(async (scope) => {
    const csv = scope.withTypeProvider<TypeBoxTypeProvider>();
    csv.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    csv.post('/configuration/terminal-values/import', {
      config: { permission: 'configuration:schemas' },
      schema: {
        tags, security, operationId: 'importTerminalValues', summary: 'TID/MID from CSV (serial_number,tid,mid): every row checked first, a bad one named by line and field, nothing stored then',
        consumes: ['text/csv'], body: Type.String({ description: 'CSV text' }), response: { 200: CsvImportResult, ...errorResponses },
      },
    }, (req) => csvValues.importCsv(req.body, actor(req)));
  });
};

export const configurationDeviceRoutes = (effective: EffectiveConfiguration, campaigns: ConfigurationCampaigns<unknown>, authenticate: (request: FastifyRequest) => Promise<void>): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/configuration/applied', {
    onRequest: authenticate,
    schema: {
      tags: ['terminal protocol'], security: [{ terminalCredential: [] }], operationId: 'deviceConfigurationApplied',
      summary: 'What the calling terminal applied inside a maintenance job (a configuration campaign counts it before the job completes)', body: ConfigurationReport,
      response: { 200: Type.Object({ configuration: ConfigurationHint }), ...errorResponses },
    },
  }, async (req) => ({ configuration: await campaigns.applied(req.terminalId, req.body) }));
  app.get('/configuration', {
    onRequest: authenticate,
    schema: {
      tags: ['terminal protocol'], security: [{ terminalCredential: [] }], operationId: 'deviceConfiguration',
      summary: "The calling terminal's own effective configuration (and the schema to check it with)", response: { 200: DeviceConfiguration, ...errorResponses },
    },
  }, async (req) => {
    await campaigns.beforeFetch(req.terminalId);
    return effective.deviceConfiguration(req.terminalId);
  });
};
