// Four eyes over HTTP: the requests a person may decide (and their own), approve and reject. Who may
// decide which request is the service's: each kind needs the permission of its operation.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams, Items, operatorSecurity as security } from '../shared/http-schemas.ts';
import type { Principal } from '../access/authentication.service.ts';
import type { ApprovalsService } from './approvals.service.ts';
import type { ApprovalKind, ApprovalState, Person } from './approvals.rules.ts';
import { ApprovalListQuery, ApprovalView, ApproveInput, RejectInput } from './approvals.schemas.ts';

const tags = ['approvals'];
const person = (p: Principal): Person => ({ userId: p.userId, name: p.name, role: p.role });

export const approvalRoutes = (approvals: ApprovalsService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/approvals', {
    config: { permission: 'signed-in' },
    schema: {
      tags, security, operationId: 'listApprovals', summary: 'Four-eyes requests', querystring: ApprovalListQuery, response: { 200: Items(ApprovalView), ...errorResponses },
      description: 'Newest first: the requests the caller may decide (their role holds the operation\'s permission) and their own.',
    },
  }, async (req) => ({
    items: await approvals.list(person(req.principal), {
      state: req.query.state as ApprovalState | undefined, kind: req.query.kind as ApprovalKind | undefined, objectId: req.query.objectId,
    }),
  }));
  app.get('/approvals/:id', {
    config: { permission: 'signed-in' },
    schema: { tags, security, operationId: 'getApproval', summary: 'One four-eyes request', params: IdParams, response: { 200: ApprovalView, ...errorResponses } },
  }, (req) => approvals.get(req.params.id, person(req.principal)));
  app.post('/approvals/:id/approve', {
    config: { permission: 'signed-in', auditBody: ['note'] },
    schema: {
      tags, security, operationId: 'approveRequest', summary: 'Approve a four-eyes request', params: IdParams, body: ApproveInput, response: { 200: ApprovalView, ...errorResponses },
      description: 'The held operation runs now, as it was asked, attributed to both people. 403 for one\'s own request or without the operation\'s permission; 409 when it expired or was decided.',
    },
  }, (req) => approvals.approve(req.params.id, person(req.principal), req.body.note));
  app.post('/approvals/:id/reject', {
    config: { permission: 'signed-in', auditBody: ['reason'] },
    schema: {
      tags, security, operationId: 'rejectRequest', summary: 'Reject a four-eyes request', params: IdParams, body: RejectInput, response: { 200: ApprovalView, ...errorResponses },
      description: 'Nothing runs; the reason is kept for the requester.',
    },
  }, (req) => approvals.reject(req.params.id, person(req.principal), req.body.reason));
};
