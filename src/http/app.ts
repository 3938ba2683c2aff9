// The HTTP server: one Fastify instance with the OpenAPI document, the error body every route shares,
// operator routes under /api/v1 and the terminal protocol under /device/v1.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type AnySchema } from 'ajv';
import ajvFormats from 'ajv-formats';
import ajvI18n from 'ajv-i18n';
import type { ErrorObject } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifySchemaCompiler, type FastifyServerOptions } from 'fastify';
import type { Services } from '../services.ts';
import { estateRoutes } from '../estate/estate.routes.ts';
import { deviceAuthenticator, deviceRoutes } from '../device/device.routes.ts';
import { maintenanceDeviceRoutes, maintenanceRoutes } from '../maintenance/maintenance.routes.ts';
import { windowRoutes } from '../maintenance/windows.routes.ts';
import { notificationRoutes } from '../notifications/notifications.routes.ts';
import { commandRoutes } from '../device/commands.routes.ts';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, isDiskFull } from '../db/database.ts';
import { AppError, fromCatalogue } from '../shared/errors.ts';
import { formatMessage, localeFromHeader, type CatalogueLocale, type MessageKey, type MessageParams } from '../shared/messages/format.ts';
import { ErrorBody } from '../shared/http-schemas.ts';
import { addInstantKeyword, UTC_INSTANT_KEYWORD, withUtcInstants } from './instants.ts';
import { lazySerializers, lazyValidator } from './lazy-compilers.ts';
import { parseJsonBody } from '../shared/safe-json.ts';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { accessRoutes } from '../access/access.routes.ts';
import { installGuard } from '../access/guard.ts';
import { installAuditTrail } from '../audit/audit-hook.ts';
import { securityRoutes } from '../security/security.routes.ts';
import { auditRoutes } from '../audit/audit.routes.ts';
import { complianceRoutes } from '../compliance/compliance.routes.ts';
import { preventiveRoutes } from '../preventive/preventive.routes.ts';
import { kpisRoutes } from '../kpis/kpis.routes.ts';
import { overviewRoutes } from '../overview/overview.routes.ts';
import { preventiveListRoutes } from '../preventive/preventive-lists.routes.ts';
import { workOrderRoutes } from '../work-orders/work-orders.routes.ts';
import { sparesRoutes } from '../spares/spares.routes.ts';
import { approvalRoutes } from '../approvals/approvals.routes.ts';
import { savedViewRoutes } from '../saved-views/saved-views.routes.ts';
import { registerDashboard } from './dashboard.ts';
import { rolloutDeviceRoutes, rolloutRoutes } from '../rollouts/rollouts.routes.ts';
import { ddiRoutes } from '../ddi/ddi.routes.ts';
import { eventsRoutes } from './events.routes.ts';
import { caseExportRoutes } from '../case-export/case-export.routes.ts';
import { diagnosticsDeviceRoutes, diagnosticsRoutes } from '../diagnostics/diagnostics.routes.ts';
import { terminalDataDeviceRoutes, terminalDataRoutes } from '../terminal-data/terminal-data.routes.ts';
import { assistanceDeviceRoutes, assistanceRoutes } from '../assistance/assistance.routes.ts';
import { configurationDeviceRoutes, configurationRoutes } from '../configuration/configuration.routes.ts';
import { merchantDeviceRoutes, merchantRoutes } from '../merchant/merchant.routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    terminalId: string;
  }
}

export interface AppOptions {
  loggerInstance?: FastifyServerOptions['loggerInstance'];
  https?: { cert: Buffer; key: Buffer };
}

export async function buildApp(services: Services, options: AppOptions = {}) {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: false }),
    ...(options.https && { https: options.https }),
    bodyLimit: 1024 * 1024,
    schemaController: lazySerializers,
    genReqId: () => crypto.randomUUID(),
    // Behind a reverse proxy set TRUST_PROXY so audit entries and rate limits see the client's address.
    trustProxy: services.config.trustProxy,
    // Malformed URLs (bad percent-encoding, over-long parameters) answer in the usual error shape.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).code(error.statusCode ?? 400).send({ error: { code: 'bad_request', message: error.message } });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  useRequestParsing(app);

  app.addSchema(ErrorBody);
  app.decorateRequest('principal', null as never);
  app.decorateRequest('terminalId', '');
  app.setErrorHandler(errorHandler);
  const dashboardPage = await registerDashboard(app);
  app.setNotFoundHandler((request, reply) => {
    const page = dashboardPage(request);
    if (page) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
    const error = fromCatalogue('not_found', 'common.route_not_found', { method: request.method, path: request.url.split('?')[0] ?? '' });
    reply.code(404).send({ error: { code: error.code, message: error.messageIn(callerLocale(request)), key: error.key, params: error.params } });
  });
  // NUL in a path or query string: PostgreSQL cannot store or compare it, so it is refused up front.
  app.addHook('onRequest', async (request) => {
    if (/%00/.test(request.url)) throw fromCatalogue('validation_error', 'common.url_nul', {}, { field: 'url' });
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'PosFleet API', version: '1', description: 'Terminal estate, terminal protocol and maintenance of POS terminal fleets.' },
      components: {
        securitySchemes: {
          operatorToken: { type: 'http', scheme: 'bearer', description: 'operator API token' },
          session: { type: 'apiKey', in: 'cookie', name: 'pf_session', description: 'browser session from /api/v1/auth/login; changes need the x-csrf-token header' },
          terminalCredential: { type: 'http', scheme: 'bearer', description: 'credential a terminal received at enrolment' },
          targetToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'hawkBit DDI: "TargetToken <credential a terminal received at enrolment>"' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string | undefined) ?? `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  await app.register(helmet, { global: true, contentSecurityPolicy: false });
  await app.register(cookie);
  // Limits show in headers only once exceeded (with Retry-After): heartbeat answers stay small.
  await app.register(rateLimit, {
    global: false,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    // The refusal in the caller's language, with the seconds to wait (the Retry-After header says them too).
    errorResponseBuilder: (_request, context) => fromCatalogue('rate_limited', 'common.rate_limited', { seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  await app.register(async (api) => {
    installGuard(api, services.authentication);
    installAuditTrail(api, services.audit, (request) => {
      const p = request.principal;
      return p ? { type: 'user', id: p.userId, name: p.name } : { type: 'anonymous', id: null, name: null };
    });
    await api.register(accessRoutes(services.access, services.audit, services.config.cookieSecure || !!options.https, services.approvals));
    await api.register(auditRoutes(services.audit));
    await api.register(estateRoutes(services.estate));
    await api.register(complianceRoutes(services.compliance, services.securityEvidence));
    await api.register(commandRoutes(services.device, services.estate));
    await api.register(maintenanceRoutes({ maintenance: services.maintenance, terminalModes: services.terminalModes, figures: services.maintenanceFigures }, services.estate, services.approvals));
    await api.register(windowRoutes(services.windows, services.windowPlanner, services.suggestedWindows));
    await api.register(notificationRoutes(services.notifications, services.notificationChannels));
    await api.register(preventiveRoutes(services.preventive));
    await api.register(preventiveListRoutes(services.planLists, services.remoteTasks));
    await api.register(workOrderRoutes(services.workOrders, services.technicians, services.workOrderPhotos));
    await api.register(sparesRoutes(services.spares, services.backupTerminals));
    await api.register(diagnosticsRoutes(services));
    await api.register(caseExportRoutes(services.caseExports));
    await api.register(eventsRoutes(services.estate, services, services.campaignViews, services.authentication));
    await api.register(rolloutRoutes(services.packages, services.campaigns, services.campaignViews, services.fleetVersions, services.approvals));
    await api.register(kpisRoutes(services.kpis));
    await api.register(overviewRoutes(services.overview));
    await api.register(terminalDataRoutes(services.terminalData, services.estate));
    await api.register(configurationRoutes({
      schemas: services.configurationSchemas, groups: services.configurationGroups, levels: services.configurationLevels, history: services.configurationHistory,
      effective: services.effectiveConfiguration, csv: services.terminalValuesCsv, delivery: services.configurationDelivery, campaigns: services.configurationCampaigns,
    }, services.approvals));
    await api.register(approvalRoutes(services.approvals));
    await api.register(savedViewRoutes(services.savedViews));
    await api.register(merchantRoutes(services.care, services.maintenanceMoves, services.audit, services.shopNotices));
    await api.register(assistanceRoutes(services.assistance, services.estate, services.audit));
    await api.register(securityRoutes(services.security));
  }, { prefix: '/api/v1' });

  await app.register(async (device) => {
    installAuditTrail(device, services.audit, (request) => (request.terminalId ? { type: 'terminal', id: request.terminalId, name: null } : { type: 'anonymous', id: null, name: null }));
    await device.register(deviceRoutes(services.device, services.config.enrolRateLimitPerMinute));
    await device.register(maintenanceDeviceRoutes(services.jobLifecycle, deviceAuthenticator(services.device)));
    await device.register(diagnosticsDeviceRoutes(services.incidents, deviceAuthenticator(services.device)));
    await device.register(rolloutDeviceRoutes(services.packages, services.deployments, deviceAuthenticator(services.device)));
    await device.register(terminalDataDeviceRoutes(services.terminalData, services.audit, deviceAuthenticator(services.device)));
    await device.register(configurationDeviceRoutes(services.effectiveConfiguration, services.configurationCampaigns, deviceAuthenticator(services.device)));
    await device.register(merchantDeviceRoutes(services.care, deviceAuthenticator(services.device)));
    await device.register(assistanceDeviceRoutes(services.assistance, services.audit, deviceAuthenticator(services.device)));
  }, { prefix: '/device/v1' });

  // hawkBit clients: the same terminals, credentials, rollouts and audit trail, in hawkBit's dialect.
  await app.register(async (ddi) => {
    installAuditTrail(ddi, services.audit, (request) => (request.terminalId ? { type: 'terminal', id: request.terminalId, name: null } : { type: 'anonymous', id: null, name: null }));
    await ddi.register(ddiRoutes(services.ddi, services.deployments, services.packages, services.config.publicUrl));
  });
  return app;
}

// Query strings and path parameters arrive as text and are coerced to their schema's types; JSON
// bodies are not, so {"count": "5"} from a terminal is a 400, not a silently accepted 5.
const ajvOptions = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false } as const;
// ajv-formats is CommonJS: its default import is the plugin function itself.
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;
// ajv-i18n is CommonJS too: its default import is the object of locales (`zh` rewrites messages in Chinese).
const ajvLocales = ajvI18n as unknown as typeof ajvI18n.default;
// Every date-time of a request is converted to UTC as it is validated (instants.ts).
const bodyAjv = addInstantKeyword(addFormats(new Ajv({ ...ajvOptions, coerceTypes: false }), { mode: 'fast' }));
const textAjv = addInstantKeyword(addFormats(new Ajv({ ...ajvOptions, coerceTypes: 'array' }), { mode: 'fast' }));
const validatorCompiler: FastifySchemaCompiler<AnySchema> = ({ schema, httpPart }) =>
  lazyValidator(() => (httpPart === 'body' ? bodyAjv : textAjv).compile(withUtcInstants(schema) as AnySchema));

/**
 * How PosFleet reads a request: JSON bodies parsed without prototype pollution, and validated (instants to UTC)
 * by its schemas. Also used by the heartbeat bench's floor: the same parsing and validation with no work behind it.
 */
export function useRequestParsing(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** Seconds a client is told to wait while the disk is full: space comes back by a person's hand, not in a moment. */
const DISK_FULL_RETRY_AFTER_SECONDS = 30;

/** A full disk refuses every write: logged once a minute, not once a request. */
const diskFullLogged = (() => {
  let last = 0;
  return { shouldLog: () => { const now = Date.now(); if (now - last < 60_000) return false; last = now; return true; } };
})();
/** The caller's language for messages: their account's, else what their client asks for, else English. */
function callerLocale(request: FastifyRequest): CatalogueLocale {
  const account = (request.principal as { locale?: string } | null)?.locale;
  if (account === 'zh-CN' || account === 'en') return account;
  const header = request.headers['accept-language'];
  return localeFromHeader(Array.isArray(header) ? header[0] : header) ?? 'en';
}

/** Every failure leaves as { error: { code, message, field? } } with a 4xx status; a 5xx only for real faults. */
function errorHandler(this: FastifyInstance, error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) {
  const locale = callerLocale(request);
  if (error instanceof AppError) {
    const entry = error.key ? { key: error.key, params: error.params, ...(error.retryable !== undefined && { retryable: error.retryable }) } : {};
    return reply.code(error.statusCode).send({ error: { code: error.code, message: error.messageIn(locale), field: error.field, details: error.details, ...entry } });
  }
  if (error.validation) return reply.code(400).send({ error: { code: 'validation_error', ...schemaViolation(error.validation[0] as ErrorObject | undefined, error.validationContext, locale) } });
  // The disk under the database is full: nothing of the request was written; writes work again once space returns.
  if (isDiskFull(error)) {
    if (diskFullLogged.shouldLog()) request.log.error({ err: error }, 'database disk full: heartbeats and changes are refused (503) until space is freed on the database volume');
    return reply.code(503).header('retry-after', String(DISK_FULL_RETRY_AFTER_SECONDS)).send({ error: said('storage_full', 'common.storage_full', locale) });
  }
  // The database is away (restarting, failing over): the client retries, nothing is lost or half-done.
  if (isDatabaseUnavailable(error)) {
    request.log.debug({ err: error }, 'database unavailable'); // the outage itself is logged once, by the pool and the job runner
    return reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS)).send({ error: said('database_unavailable', 'common.database_unavailable', locale) });
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return reply.code(413).send({ error: said('payload_too_large', 'common.body_too_large', locale) });
  if (status === 415) {
    const contentType = String(request.headers['content-type'] ?? '').split(';')[0]!.trim();
    return reply.code(415).send({ error: said('unsupported_media_type', 'common.unsupported_media_type', locale, { contentType }) });
  }
  // Rate limits answer through the plugin's errorResponseBuilder (an AppError, above); this is any other 429.
  if (status === 429) return reply.code(429).send({ error: { code: 'rate_limited', message: error.message } });
  if (status >= 400 && status < 500) {
    // Fastify's own refusals of a malformed request (an empty JSON body, a bad Content-Length): its English text.
    return reply.code(status).send({ error: { code: 'bad_request', message: error.message } });
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send({ error: said('internal_error', 'common.internal_error', locale) });
}

/** An error body said from the catalogue: code, the message in the caller's language, its key and parameters. */
function said(code: string, key: MessageKey, locale: CatalogueLocale, params: MessageParams = {}) {
  return { code, message: formatMessage(locale, key, params) ?? key, key, params };
}

/**
 * A schema violation (Ajv's first error) named by its field, in the caller's language: the sentence is the
 * catalogue's; the reason is Ajv's, put in Chinese by ajv-i18n for a zh-CN caller (on a copy: Fastify keeps the
 * errors). Unknown fields and instants have whole messages of the catalogue, with their key.
 */
function schemaViolation(first: ErrorObject | undefined, context: string | undefined, locale: CatalogueLocale) {
  const params = (first?.params ?? {}) as Record<string, string>;
  const path = (first?.instancePath ?? '').split('/').filter(Boolean);
  const missing = params.missingProperty ?? params.additionalProperty;
  if (missing) path.push(missing);
  const field = path.join('.') || context || 'body';
  if (params.additionalProperty) return { field, ...said('validation_error', 'common.unknown_field', locale, { field }) };
  if (first?.keyword === UTC_INSTANT_KEYWORD) return { field, ...said('validation_error', 'common.invalid_instant', locale, { field, problem: params.problem ?? 'format' }) };
  let reason = first?.message ?? 'is invalid';
  if (first && locale === 'zh-CN') {
    const copy = [{ ...first }];
    ajvLocales.zh(copy);
    reason = copy[0]?.message ?? reason;
  }
  return { field, message: formatMessage(locale, 'common.schema_violation', { field, reason }) ?? `${field}: ${reason}` };
}
