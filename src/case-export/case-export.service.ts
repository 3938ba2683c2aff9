// Exports a suspicious-activity case for an acquirer or the police: the case and its history, the
// terminal's heartbeats and the audit entries of the period, the inspections with their photos, hash-
// listed and signed (see bundle.ts). The period runs from a day before the sighting to the case's close
// (or now). Only a case the exporter may see is exported; the route audits the export.
import type { Scope } from '../access/roles.ts';
import { toAuditEntry } from '../audit/audit.service.ts';
import { parseJson } from '../shared/json.ts';
import type { Clock } from '../shared/time.ts';
import { signBundle, toTar, type BundleFile } from './bundle.ts';
import { BUNDLE_ROW_LIMIT, type CaseExportRepository } from './case-export.repository.ts';
import type { SigningKey } from './signing-key.ts';

/** The case as its capability shows it (SuspiciousCaseService.get). */
export interface CaseSource {
  get(id: string, scope: Scope): Promise<{ id: string; terminalId: string; incidentId: string; serialNumber: string; occurredAt: string; reportedAt: string; status: string; updatedAt: string }>;
}

/** An inspection's photo, checked against the SHA-256 taken at upload (ComplianceService.photo). */
export interface PhotoSource {
  photo(inspectionId: string, scope: Scope): Promise<{ contentType: string; bytes: Buffer; sha256: string }>;
}

const DAY_MS = 86_400_000;
const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png' };
const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

export class CaseExportService {
  constructor(
    private readonly repo: CaseExportRepository,
    private readonly cases: CaseSource,
    private readonly photos: PhotoSource,
    private readonly key: () => SigningKey,
    private readonly clock: Clock,
  ) {}

  /** The bundle as a tar archive, with its file name and the signing key's fingerprint. */
  async export(caseId: string, scope: Scope, exportedBy: string): Promise<{ fileName: string; tar: Buffer; fingerprint: string; files: number }> {
    const c = await this.cases.get(caseId, scope);
    const now = this.clock();
    const closed = c.status === 'resolved' || c.status === 'dismissed';
    const from = new Date(Math.min(Date.parse(c.occurredAt), Date.parse(c.reportedAt)) - DAY_MS).toISOString();
    const to = closed ? c.updatedAt : now.toISOString();
    const [heartbeats, audit, inspections] = await Promise.all([
      this.repo.heartbeats(c.terminalId, from, to),
      this.repo.auditEntries([c.terminalId, c.id, c.incidentId], from, to),
      this.repo.inspections(c.terminalId, new Date(Date.parse(from) - 90 * DAY_MS).toISOString(), to),
    ]);
    const files: BundleFile[] = [];
    const photoFiles: Record<string, string> = {};
    for (const i of inspections) {
      if (!i.photo_file) continue;
      const photo = await this.photos.photo(i.id, scope);
      const name = `photos/inspection-${i.id}.${EXTENSIONS[photo.contentType] ?? 'bin'}`;
      photoFiles[i.id] = name;
      files.push({ name, bytes: photo.bytes });
    }
    const key = this.key();
    files.push(
      { name: 'case.json', bytes: json(c) },
      { name: 'heartbeats.json', bytes: json(heartbeats.map((h) => ({ seq: Number(h.seq), receivedAt: h.received_at, report: parseJson<unknown>(h.report, null) }))) },
      { name: 'audit.json', bytes: json(audit.map((a) => ({ ...toAuditEntry(a), prevHash: a.prev_hash }))) },
      {
        name: 'inspections.json',
        bytes: json(inspections.map((i) => ({
          id: i.id, inspectedAt: i.inspected_at, inspector: i.inspector_name, outcome: i.outcome, serialMatches: i.serial_matches === 1, sealIntact: i.seal_intact === 1,
          sealNumber: i.seal_number, tamperSigns: parseJson<string[]>(i.tamper_signs, []), notes: i.notes, photo: photoFiles[i.id] ?? null, photoSha256: i.photo_sha256,
        }))),
      },
      {
        name: 'bundle.json',
        bytes: json({
          caseId: c.id, terminal: c.serialNumber, period: { from, to }, exportedAt: now.toISOString(), exportedBy, signingKey: key.fingerprint,
          heartbeats: heartbeats.length, auditEntries: audit.length, inspections: inspections.length, cut: heartbeats.length >= BUNDLE_ROW_LIMIT || audit.length >= BUNDLE_ROW_LIMIT,
          verify: 'sha256sum -c SHA256SUMS; openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in SHA256SUMS -sigfile <(base64 -d SHA256SUMS.sig); or: posfleet case verify <bundle.tar>',
        }),
      },
    );
    const signed = signBundle(files, key.privateKey, key.publicKeyPem);
    const folder = `case-${c.id}`;
    return { fileName: `${folder}.tar`, tar: await toTar(folder, signed, now), fingerprint: key.fingerprint, files: files.length };
  }
}
