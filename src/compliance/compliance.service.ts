// Use cases of the PCI DSS evidence: the terminal inventory (9.5.1.1), device inspections with photos
// (9.5.1.2), the overdue list, and the compliance report. Every read is narrowed to the caller's scope;
// terminals and merchants are looked up through the estate, so out-of-scope ones are 404s.
import { createHash, randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Scope } from '../access/roles.ts';
import type { InspectionTable } from '../db/schema.ts';
import type { EstateService } from '../estate/estate.service.ts';
import type { Merchant } from '../estate/estate.schemas.ts';
import { notFound, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import type { ComplianceRepository } from './compliance.repository.ts';
import {
  buildReport, checkInspection, decodePhoto, inspectionCutoff, inspectionDue, type ComplianceReport, type DeviceRow, type ReportSettings,
} from './compliance.rules.ts';
import type { Inspection, InspectionInput, OverdueDevice, PoiDevice } from './compliance.schemas.ts';
import { PhotoStore } from './photo-store.ts';
import type { SecurityEvidenceService } from './security-evidence.service.ts';
import { formatInventoryCsv } from './report-render.ts';

export interface ComplianceSettings extends ReportSettings {
  /** Photos are kept under <dataDir>/inspections/. */
  dataDir: string;
}

/**
 * Told of every failed inspection inside the transaction that stores it, so what it writes (a work order,
 * later) commits or rolls back with the inspection. A failure here fails the request and stores nothing.
 */
export type InspectionFailedListener = (inspection: Inspection, trx: Executor) => Promise<void> | void;

export interface Inspector {
  id: string | null;
  name: string | null;
}

export class ComplianceService {
  private readonly photos: PhotoStore;

  constructor(
    private readonly repo: ComplianceRepository,
    private readonly clock: Clock,
    private readonly estate: EstateService,
    private readonly settings: ComplianceSettings,
    private readonly onInspectionFailed: InspectionFailedListener = () => {},
    /** Patches, PTS approvals, training, audit log and keys for the report; none: left empty. */
    private readonly securityEvidence?: Pick<SecurityEvidenceService, 'load'>,
  ) {
    this.photos = new PhotoStore(settings.dataDir);
  }

  // ---- inventory (9.5.1.1)
  async inventoryPage(query: { merchantId?: string | undefined; limit: number; cursor?: string | undefined }, scope: Scope) {
    const merchant = await this.merchantFilter(query.merchantId, scope);
    const rows = await this.repo.devices({ merchantId: merchant?.id }, query, scope);
    return toPage(rows.map(toPoiDevice), query.limit, (d) => d.serialNumber);
  }

  /** The whole inventory as CSV text chunks (header first); checks the merchant before the first chunk. */
  async inventoryCsv(merchantId: string | undefined, scope: Scope): Promise<AsyncGenerator<string>> {
    const merchant = await this.merchantFilter(merchantId, scope);
    const repo = this.repo;
    return (async function* () {
      let first = true;
      for await (const page of repo.eachDevice({ merchantId: merchant?.id }, scope)) {
        yield formatInventoryCsv(page, first);
        first = false;
      }
      if (first) yield formatInventoryCsv([], true);
    })();
  }

  // ---- inspections (9.5.1.2)
  async recordInspection(terminalId: string, input: InspectionInput, inspector: Inspector, scope: Scope): Promise<Inspection> {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    if (terminal.deletedAt) throw refused('compliance.terminal_deleted', { serial: terminal.serialNumber }, { retryable: false });
    checkInspection(input);
    const photo = input.photo ? decodePhoto(input.photo) : null;
    const id = randomUUID();
    const file = photo ? await this.photos.save(id, photo.extension, photo.bytes) : null;
    const row: InspectionTable = {
      id, terminal_id: terminal.id, inspected_at: this.clock().toISOString(), inspector_id: inspector.id, inspector_name: inspector.name,
      outcome: input.outcome, serial_matches: input.serialMatches ? 1 : 0, seal_intact: input.sealIntact ? 1 : 0, seal_number: input.sealNumber ?? null,
      tamper_signs: JSON.stringify(input.tamperSigns), notes: input.notes ?? null, photo_file: file,
      photo_content_type: photo?.contentType ?? null, photo_size: photo?.bytes.length ?? null,
      photo_sha256: photo ? createHash('sha256').update(photo.bytes).digest('hex') : null,
    };
    const inspection = toInspection(row);
    try {
      await this.repo.insertInspection(row, async (trx) => {
        if (inspection.outcome === 'fail') await this.onInspectionFailed(inspection, trx);
      });
    } catch (error) {
      if (file) await this.photos.remove(file);
      throw error;
    }
    return inspection;
  }

  async listInspections(terminalId: string, scope: Scope): Promise<Inspection[]> {
    const terminal = await this.estate.getTerminal(terminalId, scope);
    return (await this.repo.listInspections(terminal.id)).map(toInspection);
  }

  /** The photo of an inspection of a terminal the caller may see, checked against the SHA-256 taken at upload. */
  async photo(inspectionId: string, scope: Scope): Promise<{ contentType: string; bytes: Buffer; sha256: string }> {
    const row = await this.repo.findInspection(inspectionId);
    if (!row) throw notFound('inspection', inspectionId);
    // Out of scope reads as absent, naming the inspection asked for rather than its terminal.
    if (!(await this.estate.findTerminal(row.terminal_id, scope))) throw notFound('inspection', inspectionId);
    if (!row.photo_file || !row.photo_content_type || !row.photo_sha256) throw notFound('photo of inspection', inspectionId);
    const bytes = await this.photos.read(row.photo_file);
    if (!bytes) throw notFound('photo file of inspection', inspectionId);
    if (createHash('sha256').update(bytes).digest('hex') !== row.photo_sha256) {
      throw refused('compliance.photo_changed', {}, { retryable: false });
    }
    return { contentType: row.photo_content_type, bytes, sha256: row.photo_sha256 };
  }

  /** Terminals in use whose last inspection is older than the interval, or that were never inspected. */
  async overduePage(query: { merchantId?: string | undefined; limit: number; cursor?: string | undefined }, scope: Scope) {
    const merchant = await this.merchantFilter(query.merchantId, scope);
    const now = this.clock();
    const interval = this.settings.inspectionIntervalDays;
    const rows = await this.repo.devices({ merchantId: merchant?.id, inUseOnly: true, notInspectedSince: inspectionCutoff(now, interval) }, query, scope);
    const items = rows.map((d): OverdueDevice => {
      const due = inspectionDue(d.lastInspectedAt, d.registeredAt, interval, now);
      return { ...toPoiDevice(d), dueAt: due.dueAt, neverInspected: due.neverInspected, daysOverdue: due.daysOverdue };
    });
    return toPage(items, query.limit, (d) => d.serialNumber);
  }

  // ---- report
  /** The report for one merchant (merchant users: always their own) or, without one, for everything the caller sees. */
  async report(merchantId: string | undefined, scope: Scope): Promise<{ report: ComplianceReport; merchant: Merchant | undefined }> {
    const merchant = await this.merchantFilter(merchantId, scope);
    const devices: DeviceRow[] = [];
    for await (const page of this.repo.eachDevice({ merchantId: merchant?.id, withSecurity: true }, scope)) devices.push(...page);
    const operators = await this.repo.operators(merchant?.id, scope);
    const subject = merchant ? { kind: 'merchant' as const, merchantId: merchant.id, merchantName: merchant.name, timeZone: merchant.timeZone } : { kind: 'fleet' as const };
    const { inspectionIntervalDays, terminalPasswordMaxAgeDays, operatorPasswordMaxAgeDays } = this.settings;
    const security = await this.securityEvidence?.load(devices, scope);
    const report = buildReport({ subject, now: this.clock(), settings: { inspectionIntervalDays, terminalPasswordMaxAgeDays, operatorPasswordMaxAgeDays }, devices, operators, ...(security && { security }) });
    return { report, merchant };
  }

  /**
   * The merchant a list or report is narrowed to: the one asked for (404 when the caller may not see it),
   * and for merchant users always their own.
   */
  private async merchantFilter(merchantId: string | undefined, scope: Scope): Promise<Merchant | undefined> {
    const id = merchantId ?? (scope.kind === 'merchant' ? scope.merchantId : undefined);
    return id === undefined ? undefined : this.estate.getMerchant(id, scope);
  }
}

function toPoiDevice(d: DeviceRow): PoiDevice {
  return {
    terminalId: d.terminalId, serialNumber: d.serialNumber, vendor: d.vendor, model: d.model, status: d.status,
    merchantId: d.merchantId, merchantName: d.merchantName, siteId: d.siteId, siteCode: d.siteCode, siteName: d.siteName, address: d.address,
    lastSeenAt: d.lastSeenAt, lastInspectedAt: d.lastInspectedAt, lastInspectionOutcome: d.lastInspectionOutcome,
  };
}

function toInspection(row: Selectable<InspectionTable>): Inspection {
  return {
    id: row.id, terminalId: row.terminal_id, inspectedAt: row.inspected_at, inspector: { id: row.inspector_id, name: row.inspector_name },
    outcome: row.outcome === 'fail' ? 'fail' : 'pass', serialMatches: row.serial_matches === 1, sealIntact: row.seal_intact === 1,
    sealNumber: row.seal_number, tamperSigns: parseJson<string[]>(row.tamper_signs, []), notes: row.notes,
    photo: row.photo_file && row.photo_content_type && row.photo_sha256
      ? { contentType: row.photo_content_type, sizeBytes: Number(row.photo_size ?? 0), sha256: row.photo_sha256, url: `/api/v1/inspections/${row.id}/photo` }
      : null,
  };
}
