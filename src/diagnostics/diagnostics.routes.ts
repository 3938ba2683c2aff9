// Diagnostics over HTTP: incidents, self-tests, suspicious activity, thresholds, posture and guide runs
// under /api/v1; the current troubleshooting guide for a terminal under /device/v1.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorResponses, IdParams, operatorSecurity, Page } from '../shared/http-schemas.ts';
import {
  CaseAssignInput, CaseListQuery, CaseStatusInput, DeviceGuide, DeviceGuideQuery, HealthScore, HealthScoreQuery, TerminalScores, TerminalScoresQuery, GuideAnswerInput, GuideLearning, GuideLearningQuery, GuideListQuery, GuideRun, GuideRunInput, GuideView, Incident, IncidentQuery, IncidentWithEvidence,
  MerchantTrading, ModelThresholds, Note, Posture, PostureQuery, RateQuery, ResolutionRates, SelfTestInput, SuspiciousActivityInput, SuspiciousCase, SuspiciousCaseWithHistory,
  SuspiciousReport, ThresholdOverrides, TradingOverrides,
} from './diagnostics.schemas.ts';
import { guideForRule } from './guides.ts';
import { renderGuide, type GuideRunService } from './guide-runs.service.ts';
import type { GuideLearningService } from './guide-learning.service.ts';
import type { HealthScoreService } from './health-score.service.ts';
import type { HeartbeatObserver } from './heartbeat-observer.service.ts';
import type { IncidentService } from './incidents.service.ts';
import type { PostureService } from './posture.service.ts';
import type { SuspiciousCaseService } from './suspicious-cases.service.ts';

/** The diagnostics services the routes hand requests to. */
export interface DiagnosticsServices {
  incidents: IncidentService;
  heartbeatObserver: Pick<HeartbeatObserver, 'flushStates'>;
  suspiciousCases: SuspiciousCaseService;
  healthScores: HealthScoreService;
  posture: PostureService;
  guideRuns: GuideRunService;
  guideLearning: GuideLearningService;
}

const tags = ['diagnostics'];
const security = operatorSecurity;
const read = { permission: 'estate:read' } as const;
const handle = { permission: 'incidents:write' } as const;

export const diagnosticsRoutes = (
  { incidents, heartbeatObserver, suspiciousCases, healthScores, posture, guideRuns: runs, guideLearning }: DiagnosticsServices,
): FastifyPluginAsyncTypebox => async (app) => {
  // Rule state not yet written (see HeartbeatObserver.flushStates) is written before the database closes.
  app.addHook('onClose', () => heartbeatObserver.flushStates());
  app.get('/incidents', {
    config: read,
    schema: { tags, security, operationId: 'listIncidents', summary: 'List incidents', description: 'Incidents, newest first; status=unresolved lists open and acknowledged ones.', querystring: IncidentQuery, response: { 200: Page(Incident), ...errorResponses } },
  }, (req) => incidents.list(req.query, req.principal.scope));

  app.get('/incidents/:id', { config: read, schema: { tags, security, operationId: 'getIncident', summary: 'An incident with its evidence', params: IdParams, response: { 200: IncidentWithEvidence, ...errorResponses } } },
    (req) => incidents.get(req.params.id, req.principal.scope));

  app.post('/incidents/:id/acknowledge', { config: handle, schema: { tags, security, operationId: 'acknowledgeIncident', summary: 'Acknowledge an incident', params: IdParams, body: Note, response: { 200: IncidentWithEvidence, ...errorResponses } } },
    (req) => incidents.acknowledge(req.params.id, req.principal.scope, req.principal.name));

  app.post('/incidents/:id/resolve', { config: handle, schema: { tags, security, operationId: 'resolveIncident', summary: 'Resolve an incident', params: IdParams, body: Note, response: { 200: IncidentWithEvidence, ...errorResponses } } },
    (req) => incidents.resolve(req.params.id, req.body.note, req.principal.scope, req.principal.name));

  app.post('/incidents/:id/self-test', {
    config: handle,
    schema: { tags, security, operationId: 'runIncidentSelfTest', summary: 'Run a self-test for an incident', description: 'Sends the terminal a self_test command; its result is kept with the incident.', params: IdParams, body: SelfTestInput, response: { 201: IncidentWithEvidence, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await incidents.requestSelfTest(req.params.id, req.body, req.principal.scope, req.principal.name)));

  app.post('/terminals/:id/suspicious-activity', {
    config: { permission: 'suspicious:report' },
    schema: { tags, security, operationId: 'reportSuspiciousActivity', summary: 'Report suspicious activity at a terminal', description: 'Reports suspicious activity or fraud at a terminal; reports of one terminal gather in one open case.', params: IdParams, body: SuspiciousActivityInput, response: { 201: SuspiciousReport, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await incidents.reportSuspicious(req.params.id, req.body, req.principal.scope, req.principal.name)));

  app.get('/suspicious-cases', {
    config: read,
    schema: { tags, security, operationId: 'listSuspiciousCases', summary: 'List suspicious-activity cases', description: 'Suspicious-activity cases (one per report), newest first; merchant users see their own.', querystring: CaseListQuery, response: { 200: Page(SuspiciousCase), ...errorResponses } },
  }, (req) => suspiciousCases.list(req.query, req.principal.scope));

  app.get('/suspicious-cases/owners', {
    config: handle,
    schema: {
      tags, security, operationId: 'listSuspiciousCaseOwners', summary: 'Who a suspicious-activity case may be given to', description: 'Who a case may be given to: the active users who handle incidents (admins, operators, support).',
      response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() })) }), ...errorResponses },
    },
  }, () => suspiciousCases.possibleOwners());

  app.get('/suspicious-cases/:id', { config: read, schema: { tags, security, operationId: 'getSuspiciousCase', summary: 'A suspicious-activity case with its history', description: 'A case with its history: who changed what, when, and why.', params: IdParams, response: { 200: SuspiciousCaseWithHistory, ...errorResponses } } },
    (req) => suspiciousCases.get(req.params.id, req.principal.scope));

  app.post('/suspicious-cases/:id/assign', {
    config: handle,
    schema: { tags, security, operationId: 'assignSuspiciousCase', summary: 'Give a suspicious-activity case an owner', description: 'Gives the case an owner (a user who handles incidents).', params: IdParams, body: CaseAssignInput, response: { 200: SuspiciousCaseWithHistory, ...errorResponses } },
  }, (req) => suspiciousCases.assign(req.params.id, req.body, req.principal.scope, { userId: req.principal.userId, name: req.principal.name }));

  app.post('/suspicious-cases/:id/status', {
    config: handle,
    schema: {
      tags, security, operationId: 'changeSuspiciousCaseStatus', summary: 'Move a suspicious-activity case on', description: 'Moves the case on: open → investigating → resolved | dismissed (a note says why it closed). The last case closed resolves the incident.',
      params: IdParams, body: CaseStatusInput, response: { 200: SuspiciousCaseWithHistory, ...errorResponses },
    },
  }, (req) => suspiciousCases.setStatus(req.params.id, req.body, req.principal.scope, { userId: req.principal.userId, name: req.principal.name }));

  app.get('/health-score', {
    config: read,
    schema: {
      tags, security, operationId: 'getHealthScore', summary: 'Health score of a terminal, site, merchant or the fleet', description: 'Health score (0–100) of a terminal, site or merchant, or of everything in scope, with the open incidents that lower it.',
      querystring: HealthScoreQuery, response: { 200: HealthScore, ...errorResponses },
    },
  }, (req) => healthScores.healthScore(req.query, req.principal.scope));

  app.get('/health-scores/terminals', {
    config: read,
    schema: { tags, security, operationId: 'listTerminalHealthScores', summary: 'Terminals scoring below 100', description: 'Terminals scoring below 100, lowest first.', querystring: TerminalScoresQuery, response: { 200: TerminalScores, ...errorResponses } },
  }, (req) => healthScores.terminalScores(req.query, req.principal.scope));

  app.get('/security/posture', {
    config: read,
    schema: { tags, security, operationId: 'getSecurityPosture', summary: "The fleet's security posture", description: 'Password age, PIN entry, encryption and tamper of every terminal in scope (or of one merchant).', querystring: PostureQuery, response: { 200: Posture, ...errorResponses } },
  }, (req) => posture.posture(req.query.merchantId, req.principal.scope));

  app.get('/terminal-models/:id/diagnostic-thresholds', { config: read, schema: { tags, security, operationId: 'getDiagnosticThresholds', summary: "A model's diagnostic thresholds", params: IdParams, response: { 200: ModelThresholds, ...errorResponses } } },
    (req) => posture.thresholds(req.params.id));

  app.put('/terminal-models/:id/diagnostic-thresholds', {
    config: { permission: 'estate:write' },
    schema: { tags, security, operationId: 'setDiagnosticThresholds', summary: "Set a model's diagnostic thresholds", description: 'Replaces the model\'s overrides of the default rule thresholds.', params: IdParams, body: ThresholdOverrides, response: { 200: ModelThresholds, ...errorResponses } },
  }, (req) => posture.setThresholds(req.params.id, req.body, req.principal.name));

  app.get('/merchants/:id/trading-thresholds', {
    config: read,
    schema: { tags, security, operationId: 'getMerchantTradingThresholds', summary: 'A merchant\'s suspicious-trading thresholds', params: IdParams, response: { 200: MerchantTrading, ...errorResponses } },
  }, (req) => posture.merchantTrading(req.params.id, req.principal.scope));

  app.put('/merchants/:id/trading-thresholds', {
    config: { permission: 'estate:write' },
    schema: {
      tags, security, operationId: 'setMerchantTradingThresholds', summary: 'Sets a merchant\'s suspicious-trading thresholds',
      description: 'Replaces the merchant\'s overrides of the trading thresholds (and their hysteresis); they are laid over each of its terminals\' model thresholds. {} removes them.',
      params: IdParams, body: TradingOverrides, response: { 200: MerchantTrading, ...errorResponses },
    },
  }, (req) => posture.setMerchantTrading(req.params.id, req.body, req.principal.scope, req.principal.name));

  app.get('/guides', { config: read, schema: { tags, security, operationId: 'listGuides', summary: 'Troubleshooting guides', querystring: GuideListQuery, response: { 200: Type.Object({ items: Type.Array(GuideView) }), ...errorResponses } } },
    (req) => ({ items: runs.guides(req.query.locale ?? 'zh-CN') }));

  app.get('/guides/resolution-rates', {
    config: read,
    schema: { tags, security, operationId: 'listGuideResolutionRates', summary: 'How often each guide step fixed the fault', description: 'Per guide step and terminal model: answers given and how often the step fixed the fault.', querystring: RateQuery, response: { 200: ResolutionRates, ...errorResponses } },
  }, (req) => runs.resolutionRates(req.query, req.principal.scope));

  app.get('/guides/learning', {
    config: read,
    schema: {
      tags, security, operationId: 'listGuideLearning', summary: 'What each guide learned per terminal model', querystring: GuideLearningQuery, response: { 200: GuideLearning, ...errorResponses },
      description: "Per guide and model, from the last 90 days' runs (an hourly job): the order new runs offer the steps in and why, each step's tries and fixes, and the steps flagged to the guide's owner as never helping.",
    },
  }, (req) => guideLearning.list(req.query, req.query.locale ?? 'zh-CN'));

  app.post('/guide-runs', { config: handle, schema: { tags, security, operationId: 'startGuideRun', summary: 'Start a guided troubleshooting run', body: GuideRunInput, response: { 201: GuideRun, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(await runs.start(req.body, req.principal.scope, req.principal.name)));

  app.get('/guide-runs/:id', { config: read, schema: { tags, security, operationId: 'getGuideRun', summary: 'A guided troubleshooting run', params: IdParams, response: { 200: GuideRun, ...errorResponses } } },
    (req) => runs.get(req.params.id, req.principal.scope));

  app.post('/guide-runs/:id/answers', { config: handle, schema: { tags, security, operationId: 'answerGuideStep', summary: 'Answer a step of a guided troubleshooting run', params: IdParams, body: GuideAnswerInput, response: { 200: GuideRun, ...errorResponses } } },
    (req) => runs.answer(req.params.id, req.body, req.principal.scope, req.principal.name));
};

/** The terminal protocol's part: the guide for the terminal's most severe open incident, for its own screen. */
export const diagnosticsDeviceRoutes = (incidents: IncidentService, authenticate: (request: FastifyRequest) => Promise<void>): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/guide', {
    onRequest: authenticate,
    schema: { tags: ['terminal protocol'], operationId: 'getDeviceGuide', summary: "The troubleshooting guide for the terminal's worst open incident", security: [{ terminalCredential: [] }], querystring: DeviceGuideQuery, response: { 200: DeviceGuide, ...errorResponses } },
  }, async (req) => {
    const incident = await incidents.guideIncidentOf(req.terminalId);
    const guide = incident ? guideForRule(incident.rule) : undefined;
    return { incidentId: incident?.id ?? null, rule: incident?.rule ?? null, guide: guide ? renderGuide(guide, req.query.locale ?? 'zh-CN') : null };
  });

  app.post('/suspicious-activity', {
    onRequest: authenticate,
    schema: {
      tags: ['terminal protocol'], operationId: 'reportTerminalSuspiciousActivity', summary: 'Report suspicious activity the terminal saw', security: [{ terminalCredential: [] }], description: 'The terminal reports suspicious activity it saw (e.g. a card-slot overlay); it becomes a case.',
      body: SuspiciousActivityInput, response: { 201: SuspiciousReport, ...errorResponses },
    },
  }, async (req, reply) => reply.code(201).send(await incidents.reportFromTerminal(req.terminalId, req.body)));
};
