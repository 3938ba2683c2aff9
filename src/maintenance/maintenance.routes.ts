// Maintenance mode over HTTP: operators under /api/v1, terminals' step reports under /device/v1.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { invalidField } from '../shared/errors.ts';
import { HeldAnswer, localeOf, type FourEyes } from '../shared/four-eyes.ts';
import { errorResponses, IdParams, operatorSecurity } from '../shared/http-schemas.ts';
import type { FiguresService } from './figures.service.ts';
import type { JobLifecycle } from './job-lifecycle.service.ts';
import type { MaintenanceService } from './maintenance.service.ts';
import type { TerminalModes } from './terminal-modes.service.ts';
import { applyToGroup } from './job-groups.ts';
import { GroupActionInput, GroupActionResult } from './job-groups.schemas.ts';
import { Extend, Figures, FiguresQuery, Job, JobAction, JobWithTransitions, LockInput, LockView, MaintenanceInput, ModeView, StepReport, UnlockInput } from './maintenance.schemas.ts';

const tags = ['maintenance'];
const security = operatorSecurity;
const write = { permission: 'maintenance:write' } as const;
/** Why it was done stays with the audit entry: the reason, an override's reason, the operator's note. */
const writeWithReason = { ...write, auditBody: ['reason', 'overrideReason', 'approvalReason', 'note'] } as const;
const read = { permission: 'estate:read' } as const;

/** What the operators' maintenance routes call: jobs, the terminals' modes and locks, the figures. */
export interface MaintenanceApi {
  maintenance: MaintenanceService;
  terminalModes: TerminalModes;
  figures: FiguresService;
}

export const maintenanceRoutes = ({ maintenance, terminalModes, figures }: MaintenanceApi, estate: EstateService, fourEyes: FourEyes): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/maintenance/jobs', {
    config: writeWithReason,
    schema: {
      tags, security, operationId: 'startMaintenanceJobs', summary: 'Put terminals into maintenance', description: 'Puts terminals — by id, a whole site, or a filter — into maintenance now or at plannedStart.',
      body: MaintenanceInput, response: { 201: Type.Object({ items: Type.Array(JobWithTransitions) }), 202: HeldAnswer, ...errorResponses },
    },
  }, async (req, reply) => {
    const terminalIds = await targetTerminals(estate, req.body, req.principal.scope);
    if (req.body.overrideReason) {
      // Overriding the continuity rule may leave a site without a terminal that trades: a second person decides.
      const { approvalReason, ...input } = req.body;
      const held = await fourEyes.hold({
        kind: 'continuity_override', payload: { input: { ...input, terminalIds }, scope: req.principal.scope },
        summary: { terminals: terminalIds.length, overrideReason: req.body.overrideReason, work: req.body.work }, objectId: terminalIds.length === 1 ? terminalIds[0]! : null,
        reason: approvalReason ?? req.body.overrideReason, field: 'approvalReason',
      }, req.principal, localeOf(req.principal.locale, req.headers['accept-language']));
      if (held) return reply.code(202).send(held);
    }
    const items = await maintenance.request({ ...req.body, terminalIds }, req.principal.scope, req.principal.name);
    return reply.code(201).send({ items });
  });

  app.get('/maintenance/jobs/:id', { config: read, schema: { tags, security, operationId: 'getMaintenanceJob', summary: 'A maintenance job with its transitions', params: IdParams, response: { 200: JobWithTransitions, ...errorResponses } } },
    (req) => maintenance.getJob(req.params.id, req.principal.scope));
  app.get('/terminals/:id/maintenance-jobs', { config: read, schema: { tags, security, operationId: 'listTerminalMaintenanceJobs', summary: "A terminal's maintenance jobs", params: IdParams, response: { 200: Type.Object({ items: Type.Array(Job) }), ...errorResponses } } },
    async (req) => ({ items: await maintenance.jobsOfTerminal(req.params.id, req.principal.scope) }));

  app.post('/maintenance/jobs/:id/extend', { config: write, schema: { tags, security, operationId: 'extendMaintenanceJob', summary: 'Extend a maintenance job', params: IdParams, body: Extend, response: { 200: JobWithTransitions, ...errorResponses } } },
    (req) => maintenance.extend(req.params.id, req.body.minutes, req.principal.scope, req.principal.name));
  const move = (path: string, to: 'completed' | 'aborted' | 'handed_to_technician' | 'rolled_back', operationId: string, summary: string, description: string) =>
    app.post(`/maintenance/jobs/:id/${path}`, {
      config: writeWithReason, schema: { tags, security, operationId, summary, description, params: IdParams, body: JobAction, response: { 200: JobWithTransitions, ...errorResponses } },
    }, (req: FastifyRequest<{ Params: { id: string }; Body: { note?: string } }>) =>
      maintenance.operatorMove(req.params.id, to, req.body.note ?? path, req.principal.scope, req.principal.name));
  move('finish', 'completed', 'finishMaintenanceJob', 'Finish a maintenance job', 'Back in service now.');
  move('abort', 'aborted', 'abortMaintenanceJob', 'Abort a maintenance job', 'Cancels the job; a terminal already in maintenance rolls back and trades again.');
  move('hand-over', 'handed_to_technician', 'handOverMaintenanceJob', 'Hand a failed maintenance job to a technician', 'A failed job goes to a technician.');
  move('rolled-back', 'rolled_back', 'confirmMaintenanceRollback', 'Confirm a failed maintenance job was rolled back', 'Confirms that a failed job was rolled back.');
  app.post('/maintenance/jobs/group', {
    config: write,
    schema: {
      tags, security, operationId: 'actOnMaintenanceJobs', summary: 'Finish, extend or cancel a group of maintenance jobs', body: GroupActionInput, response: { 200: GroupActionResult, ...errorResponses },
      description: 'Finishes, extends or cancels a group of jobs (e.g. a site\'s) in one action, with an outcome per job in the order given. A job already ended is left alone (outcome already_ended), so repeating the action does no harm.',
    },
  }, async (req) => {
    if (req.body.action === 'extend' && req.body.minutes === undefined) throw invalidField('minutes', 'maintenance.minutes_required');
    return { items: await applyToGroup(maintenance, req.body, req.principal.scope, req.principal.name) };
  });

  app.get('/maintenance/figures', {
    config: read,
    schema: { tags, security, operationId: 'getMaintenanceFigures', summary: 'Maintenance figures for a period', description: 'Jobs created in [from, to): downtime, refused transactions, estimated revenue lost, on time / late / failed.', querystring: FiguresQuery, response: { 200: Figures, ...errorResponses } },
  }, (req) => figures.figures(req.query, req.principal.scope));

  app.get('/terminals/:id/mode', { config: read, schema: { tags, security, operationId: 'getTerminalMode', summary: "A terminal's mode (in service, in maintenance, locked)", params: IdParams, response: { 200: ModeView, ...errorResponses } } },
    async (req) => (await terminalModes.modes([(await estate.getTerminal(req.params.id, req.principal.scope)).id])).get(req.params.id)!);
  app.post('/terminals/:id/lock', { config: writeWithReason, schema: { tags, security, operationId: 'lockTerminal', summary: 'Lock a terminal', description: 'Locks a terminal (e.g. tamper): only an operator lifts it.', params: IdParams, body: LockInput, response: { 200: ModeView, ...errorResponses } } },
    (req) => terminalModes.lock(req.params.id, req.body.reason, req.principal.scope, req.principal.name, req.body.kind ?? 'manual'));
  app.post('/terminals/:id/unlock', {
    config: writeWithReason, schema: { tags, security, operationId: 'unlockTerminal', summary: "Lift a terminal's lock", description: 'Lifts a lock, with the reason (e.g. what the inspection found) kept beside it. A tamper or relocation lock is held (202, state awaiting_approval) until a second person approves it (four eyes).', params: IdParams, body: UnlockInput, response: { 200: ModeView, 202: HeldAnswer, ...errorResponses } },
  }, async (req, reply) => {
    // Only a tamper or relocation lock is lifted by two people; an operator's own lock by one.
    const active = (await terminalModes.locks(req.params.id, req.principal.scope)).find((l) => l.liftedAt === null);
    if (active && active.kind !== 'manual') {
      const held = await fourEyes.hold({
        kind: 'tamper_unlock', payload: { terminalId: req.params.id, reason: req.body.reason, scope: req.principal.scope },
        summary: { lockReason: active.reason, lockedAt: active.lockedAt, lockKind: active.kind }, objectId: req.params.id, reason: req.body.reason, field: 'reason',
      }, req.principal, localeOf(req.principal.locale, req.headers['accept-language']));
      if (held) return reply.code(202).send(held);
    }
    return terminalModes.unlock(req.params.id, req.body.reason, req.principal.scope, req.principal.name);
  });
  app.get('/terminals/:id/locks', {
    config: { permission: 'estate:read' }, schema: { tags, security, operationId: 'listTerminalLocks', summary: "A terminal's locks", description: 'Every lock of the terminal, newest first: who locked and lifted it, when and why.', params: IdParams, response: { 200: Type.Object({ items: Type.Array(LockView) }), ...errorResponses } },
  }, async (req) => ({ items: await terminalModes.locks(req.params.id, req.principal.scope) }));
};

/** The terminal protocol's part: a terminal reports the steps of its own job. */
export const maintenanceDeviceRoutes = (lifecycle: Pick<JobLifecycle, 'report'>, authenticate: (request: FastifyRequest) => Promise<void>): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/maintenance/:jobId/steps', {
    onRequest: authenticate,
    schema: {
      tags: ['terminal protocol'], operationId: 'reportMaintenanceStep', summary: "Report a step of the terminal's maintenance job", security: [{ terminalCredential: [] }], params: Type.Object({ jobId: Type.String({ maxLength: 64 }) }),
      body: StepReport, response: { 200: Job, ...errorResponses },
    },
  }, (req) => lifecycle.report(req.terminalId, req.params.jobId, req.body));
};

async function targetTerminals(estate: EstateService, body: { terminalIds?: string[] | undefined; siteId?: string | undefined; filter?: Record<string, string | undefined> | undefined }, scope: Scope): Promise<string[]> {
  const given = [body.terminalIds, body.siteId, body.filter].filter((x) => x !== undefined).length;
  if (given !== 1) throw invalidField('terminalIds', 'maintenance.one_selection');
  if (body.terminalIds) return body.terminalIds;
  const filter = body.siteId ? { siteId: body.siteId } : body.filter!;
  if (body.siteId) await estate.getSite(body.siteId, scope);
  const page = await estate.listTerminals({ ...filter, status: 'active', limit: 10_000 }, scope);
  if (page.nextCursor) throw invalidField('filter', 'maintenance.filter_too_broad', { max: 10_000 });
  return page.items.map((t) => t.id);
}
