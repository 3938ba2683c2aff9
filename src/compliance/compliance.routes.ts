// PCI DSS evidence over HTTP: the terminal inventory, device inspections and their photos, the overdue
// list and the compliance report. Compliance reads are audited like changes (auditRead).
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, IdParams, Page, operatorSecurity } from '../shared/http-schemas.ts';
import type { ComplianceService } from './compliance.service.ts';
import { Inspection, InspectionInput, InventoryQuery, OverdueDevice, OverdueQuery, PoiDevice, ReportQuery, TrainingInput, TrainingRecord } from './compliance.schemas.ts';
import type { SecurityEvidenceService } from './security-evidence.service.ts';
import { renderReportCsv, renderReportHtml } from './report-render.ts';
import { isReportLocale } from './report-text.ts';

const security = operatorSecurity;
const tags = ['compliance'];
const complianceRead = { permission: 'compliance:read', auditRead: true } as const;

// A 2 MB photo is ~2.7 MB of base64; the limit leaves room to answer a somewhat larger one with a 400 naming the field.
const INSPECTION_BODY_LIMIT = 6 * 1024 * 1024;

// The report is self-contained: no script runs in it, styles are inline.
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export const complianceRoutes = (compliance: ComplianceService, evidence: SecurityEvidenceService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/sites/:id/training-records', {
    config: { permission: 'compliance:read' },
    schema: { tags, security, operationId: 'listTrainingRecords', summary: "A site's training records", description: 'PCI DSS 9.5.1.3: people at the site trained to detect tampering and substitution of terminals, newest first.', params: IdParams, response: { 200: Type.Object({ items: Type.Array(TrainingRecord) }), ...errorResponses } },
  }, (req) => evidence.listTraining(req.params.id, req.principal.scope));
  app.post('/sites/:id/training-records', {
    config: { permission: 'inspections:write', auditBody: ['personName', 'trainedOn', 'topics'] },
    schema: { tags, security, operationId: 'recordTraining', summary: 'Record a training', description: 'PCI DSS 9.5.1.3: a person at the site was trained to detect tampering, substitution or both.', params: IdParams, body: TrainingInput, response: { 201: TrainingRecord, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(await evidence.recordTraining(req.params.id, req.body, req.principal.name, req.principal.scope)));

  app.get('/compliance/poi-devices', {
    config: complianceRead,
    schema: {
      tags, security, operationId: 'listPoiDevices', summary: 'The POI device inventory (PCI DSS 9.5.1.1)', description: 'PCI DSS 9.5.1.1: every terminal not deleted, with make, model, location and serial number. JSON is paged; CSV streams the whole list.',
      querystring: InventoryQuery, response: { 200: Page(PoiDevice), ...errorResponses },
    },
  }, async (req, reply) => {
    if (req.query.format === 'csv') {
      const chunks = await compliance.inventoryCsv(req.query.merchantId, req.principal.scope);
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="poi-devices.csv"');
      return reply.send(Readable.from(chunks));
    }
    return compliance.inventoryPage({ ...req.query, limit: req.query.limit ?? 100 }, req.principal.scope);
  });

  app.get('/compliance/inspections/overdue', {
    config: complianceRead,
    schema: {
      tags, security, operationId: 'listOverdueInspections', summary: 'Terminals overdue for inspection', description: 'PCI DSS 9.5.1.2: terminals in use never inspected, or last inspected longer ago than INSPECTION_INTERVAL_DAYS.',
      querystring: OverdueQuery, response: { 200: Page(OverdueDevice), ...errorResponses },
    },
  }, (req) => compliance.overduePage({ ...req.query, limit: req.query.limit ?? 100 }, req.principal.scope));

  app.get('/compliance/report', {
    config: complianceRead,
    schema: {
      tags, security, operationId: 'getComplianceReport', summary: 'The compliance report', querystring: ReportQuery,
      description: 'Each requirement (9.5.1.1, 9.5.1.2, 8.3.9 for terminals and operators, PIN entry and encryption, 3.2.1, 6.3.3, PTS approval per model, 9.5.1.3 training, 10.x audit log, 3.6–3.7 key inventory) with its evidence and gaps, for one merchant or the fleet. html: a printable page; csv: one row per finding after a summary row per requirement; json: the report model.',
    },
  }, async (req, reply) => {
    const { report, merchant } = await compliance.report(req.query.merchantId, req.principal.scope);
    const locale = req.query.locale ?? (isReportLocale(merchant?.locale) ? merchant.locale : 'zh-CN');
    const name = `pci-report-${merchant ? merchant.id : 'fleet'}-${report.generatedAt.slice(0, 10)}`;
    if (req.query.format === 'json') return reply.send(report);
    if (req.query.format === 'csv') {
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(renderReportCsv(report, locale));
    }
    return reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', REPORT_CSP)
      .header('content-disposition', `inline; filename="${name}.html"`).send(renderReportHtml(report, locale));
  });

  app.post('/terminals/:id/inspections', {
    config: { permission: 'inspections:write' },
    bodyLimit: INSPECTION_BODY_LIMIT,
    schema: {
      tags, security, operationId: 'recordInspection', summary: 'Record an inspection of a terminal', params: IdParams, body: InspectionInput, response: { 201: Inspection, ...errorResponses },
      description: 'PCI DSS 9.5.1.2: records an inspection of the terminal for tampering and substitution, with an optional JPEG or PNG photo (≤ 2 MB). A failed inspection is handed on for follow-up.',
    },
  }, async (req, reply) => {
    const inspector = { id: req.principal.userId, name: req.principal.name };
    return reply.code(201).send(await compliance.recordInspection(req.params.id, req.body, inspector, req.principal.scope));
  });

  app.get('/terminals/:id/inspections', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'listTerminalInspections', summary: "A terminal's inspections", description: 'Inspections of the terminal, newest first.', params: IdParams, response: { 200: Type.Object({ items: Type.Array(Inspection) }), ...errorResponses } },
  }, async (req) => ({ items: await compliance.listInspections(req.params.id, req.principal.scope) }));

  app.get('/inspections/:id/photo', {
    config: { permission: 'estate:read' },
    schema: { tags, security, operationId: 'getInspectionPhoto', summary: "An inspection's photo", description: 'The photo taken at the inspection, as uploaded (checked against its SHA-256).', params: IdParams },
  }, async (req, reply) => {
    const photo = await compliance.photo(req.params.id, req.principal.scope);
    return reply.header('content-type', photo.contentType).header('x-content-sha256', photo.sha256)
      .header('cache-control', 'private, max-age=3600').header('content-disposition', 'inline').send(photo.bytes);
  });
};
