// Live fleet state for the dashboard as server-sent events (GET /api/v1/events): every terminal the
// caller may see, with its mode (in service / 功能维护中 / locked), online flag and open maintenance job,
// and, for those who may see rollouts, the campaigns in progress with each wave's installs by state.
// Each stream polls the database once per interval and sends a snapshot only when it changed, so a
// quiet fleet costs a few small queries a second and no traffic. Bounded: at most MAX_TERMINALS
// terminals per snapshot and MAX_STREAMS open streams per process. The caller's session or token is
// checked again before every snapshot: signing out, a revoked token, a disabled account or a role that
// may no longer read the estate ends the stream (within one interval; a token revoked on another node
// at once on PostgreSQL, which tells every node), and a changed scope applies to the next snapshot.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { SESSION_COOKIE, type AuthenticationService, type Principal } from '../access/authentication.service.ts';
import { can, type Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import type { MaintenanceService } from '../maintenance/maintenance.service.ts';
import type { TerminalModes } from '../maintenance/terminal-modes.service.ts';
import type { CampaignViews } from '../rollouts/campaign-views.service.ts';
import { fromCatalogue } from '../shared/errors.ts';
import { errorResponses, operatorSecurity } from '../shared/http-schemas.ts';
import { parseJson } from '../shared/json.ts';
import { WAITING_CODES } from '../shared/job-states.ts';

const MAX_TERMINALS = 1000;
const MAX_STREAMS = 200;
const KEEP_ALIVE_MS = 15_000;

const LiveTerminal = Type.Object({
  id: Type.String(),
  serialNumber: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  online: Type.Boolean(),
  mode: Type.Enum(['normal', 'maintenance', 'locked']),
  reason: Type.Union([Type.String(), Type.Null()]),
  job: Type.Union([Type.Object({
    id: Type.String(), state: Type.String(), reason: Type.String(), work: Type.Array(Type.String()), createdAt: Type.String(), createdBy: Type.String(),
    waitingReason: Type.Union([Type.String(), Type.Null()]),
    waitingCode: Type.Union([Type.Enum(WAITING_CODES), Type.Null()]),
  }), Type.Null()], { description: 'the open maintenance job, if any' }),
});

export const FleetSnapshot = Type.Object({
  terminals: Type.Array(LiveTerminal),
  truncated: Type.Boolean({ description: `more terminals are in scope than the ${MAX_TERMINALS} a snapshot carries` }),
});
export type FleetSnapshot = Static<typeof FleetSnapshot>;

/** Maintenance as the fleet view reads it: each terminal's mode and open job. */
export interface FleetMaintenance {
  maintenance: Pick<MaintenanceService, 'openJobsOf'>;
  terminalModes: Pick<TerminalModes, 'modes'>;
}

/** The fleet as one caller sees it now. */
export async function fleetSnapshot(estate: EstateService, { maintenance, terminalModes }: FleetMaintenance, scope: Scope): Promise<FleetSnapshot> {
  const page = await estate.listTerminals({ limit: MAX_TERMINALS }, scope);
  const ids = page.items.map((t) => t.id);
  const [modes, jobs] = await Promise.all([terminalModes.modes(ids), maintenance.openJobsOf(ids)]);
  const jobOf = new Map(jobs.map((j) => [j.terminal_id, j]));
  return {
    truncated: !!page.nextCursor,
    terminals: page.items.map((t) => {
      const mode = modes.get(t.id);
      const job = jobOf.get(t.id);
      return {
        id: t.id, serialNumber: t.serialNumber, siteId: t.siteId, online: t.online, mode: mode?.mode ?? 'normal', reason: mode?.reason ?? null,
        job: job ? {
          id: job.id, state: job.state, reason: job.reason, work: parseJson<string[]>(job.work, []), createdAt: job.created_at,
          createdBy: job.created_by, waitingReason: job.waiting_reason, waitingCode: job.waiting_code,
        } : null,
      };
    }),
  };
}

export const eventsRoutes = (
  estate: EstateService, maintenance: FleetMaintenance, campaigns: Pick<CampaignViews, 'progress'>, access: Pick<AuthenticationService, 'authenticate'>, options: { intervalMs?: number } = {},
): FastifyPluginAsyncTypebox => async (app) => {
  const intervalMs = options.intervalMs ?? 1000;
  const open = new Set<() => void>();
  // Campaign progress is the same for every stream that may see it: read once per interval for all.
  let progress: { at: number; json: Promise<string> } | undefined;
  const campaignProgress = () => {
    if (!progress || Date.now() - progress.at >= intervalMs) progress = { at: Date.now(), json: campaigns.progress().then((c) => JSON.stringify({ campaigns: c })) };
    return progress.json;
  };
  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get('/events', {
    config: { permission: 'estate:read' },
    schema: {
      tags: ['dashboard'], security: operatorSecurity,
      operationId: 'getFleetEvents', summary: 'Live fleet state (server-sent events)', description: 'The terminals the caller may see, with mode, online flag and open maintenance job. With `Accept: text/event-stream` '
        + '(a browser EventSource) a stream of `fleet` events carrying the same snapshot, sent whenever it changes; otherwise the snapshot once, as JSON. '
        + 'Callers who may read rollouts also get `campaigns` events: `{ campaigns: CampaignProgress[] }`, the campaigns in progress with each wave\'s installs by state.',
      querystring: Type.Object({}, { additionalProperties: false }),
      produces: ['application/json', 'text/event-stream'],
      response: { 200: FleetSnapshot, ...errorResponses },
    },
  }, async (req, reply) => {
    const snapshot = await fleetSnapshot(estate, maintenance, req.principal.scope);
    // Only a client that asks for a stream gets one: scripts and tests get an answer that ends.
    if (!String(req.headers.accept ?? '').includes('text/event-stream')) return snapshot;
    if (open.size >= MAX_STREAMS) throw fromCatalogue('rate_limited', 'common.too_many_streams', {}, { retryable: true });
    const first = JSON.stringify(snapshot);
    const followsCampaigns = can(req.principal.role, 'rollouts:read', req.principal.tokenScope);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\nevent: fleet\ndata: ${first}\n\n`);
    const last = { fleet: first, campaigns: '' };
    let busy = false;
    let lastWrite = Date.now();
    const send = (event: keyof typeof last, data: string) => {
      if (data === last[event] || res.writableEnded) return;
      last[event] = data;
      res.write(`event: ${event}\ndata: ${data}\n\n`);
      lastWrite = Date.now();
    };
    /** The caller as of now, or undefined once it may no longer watch the fleet. */
    const stillAllowed = async (): Promise<Principal | undefined> => {
      try {
        const principal = await access.authenticate(req.headers.authorization, req.cookies[SESSION_COOKIE]);
        return can(principal.role, 'estate:read', principal.tokenScope) && !principal.mustChangePassword ? principal : undefined;
      } catch {
        return undefined; // signed out, revoked, expired or disabled
      }
    };
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const principal = await stillAllowed();
        if (!principal) {
          end();
          return;
        }
        send('fleet', JSON.stringify(await fleetSnapshot(estate, maintenance, principal.scope)));
        if (can(principal.role, 'rollouts:read', principal.tokenScope)) send('campaigns', await campaignProgress());
        if (Date.now() - lastWrite >= KEEP_ALIVE_MS && !res.writableEnded) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
      } catch (error) {
        req.log.warn({ err: error }, 'live events: snapshot failed');
      } finally {
        busy = false;
      }
    };
    if (followsCampaigns) void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    function end() {
      clearInterval(timer);
      open.delete(end);
      if (!res.writableEnded) res.end();
    }
    open.add(end);
    res.on('close', end);
  });
};
