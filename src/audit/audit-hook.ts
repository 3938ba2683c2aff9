// Writes the audit trail of the HTTP API: every change, every read of security-relevant data and every
// refused attempt (401/403), with who, what, which object, from where, and the outcome. The entry is
// written before the answer leaves, so a client that saw its answer finds the entry.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditService } from './audit.service.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Actor {
  type: 'user' | 'terminal' | 'anonymous';
  id: string | null;
  name: string | null;
}

export function installAuditTrail(api: FastifyInstance, audit: AuditService, actorOf: (request: FastifyRequest) => Actor): void {
  api.addHook('onSend', async (request, reply, payload) => {
    if (shouldAudit(request, reply)) await record(audit, request, reply, payload, actorOf(request));
    return payload;
  });
}

function shouldAudit(request: FastifyRequest, reply: FastifyReply): boolean {
  const config = request.routeOptions.config;
  if (config.auditedByHandler) return false;
  const refused = reply.statusCode === 401 || reply.statusCode === 403;
  if (refused) return true;
  if (config.telemetry) return false;
  return !SAFE_METHODS.has(request.method) || !!config.auditRead;
}

async function record(audit: AuditService, request: FastifyRequest, reply: FastifyReply, payload: unknown, who: Actor) {
  const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  const params = (request.params ?? {}) as Record<string, string>;
  try {
    await audit.record({
      actorType: who.type, actorId: who.id, actorName: who.name,
      action: `${request.method} ${route}`,
      objectType: route.split('/')[3] ?? null,
      objectId: params.id ?? params.commandId ?? (reply.statusCode === 201 ? createdId(payload) : null),
      outcome: reply.statusCode < 400 ? 'success' : 'failure',
      sourceIp: request.ip, requestId: request.id,
      details: { status: reply.statusCode, ...bodyFields(request) },
    });
  } catch (error) {
    request.log.error({ err: error }, 'could not write the audit entry');
  }
}

/** The route's `auditBody` fields the request carried (text cut at 500 characters: a reason, not a document). */
function bodyFields(request: FastifyRequest): Record<string, unknown> {
  const fields = request.routeOptions.config.auditBody;
  const body = request.body as Record<string, unknown> | null | undefined;
  if (!fields?.length || !body || typeof body !== 'object') return {};
  const kept: Record<string, unknown> = {};
  for (const field of fields) {
    const value = body[field];
    if (value === undefined) continue;
    kept[field] = typeof value === 'string' ? value.slice(0, 500) : value;
  }
  return kept;
}

function createdId(payload: unknown): string | null {
  if (typeof payload !== 'string') return null;
  try {
    return (JSON.parse(payload) as { id?: string; terminalId?: string }).id ?? null;
  } catch {
    return null;
  }
}
