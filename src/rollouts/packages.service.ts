// Publishers' keys and signed packages. A package is declared first (its metadata, size, SHA-256 and
// signature, checked at once against a registered key), then its content is streamed in and must match
// the declaration; only then is it ready to be assigned. Nothing unsigned or tampered ever becomes ready.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { fromCatalogue, invalidField, orNotFound, refused } from '../shared/errors.ts';
import { parseJson } from '../shared/json.ts';
import { timeIdKey, toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import type { EstateLookups } from '../estate/estate-lookups.ts';
import type { SecurityBaseline } from '../diagnostics/heartbeat.rules.ts';
import { isOlder, normalVersion } from './eligibility.ts';
import { parametersDigest, readPublicKey, verifyPackage } from './package-signature.ts';
import { ContentTooLarge, PackageStore } from './package-store.ts';
import type { RolloutsRepository} from './rollouts.repository.ts';
import { type KeyRow, type PackageRow } from './rollouts.repository.ts';
import type { PackageInput, PackageListQuery, PackageView, PublisherKeyInput, PublisherKeyView } from './rollouts.schemas.ts';

/** What packages ask of the configuration capability: an application version's parameter schema, checked and registered. */
export interface ParameterSchemas {
  /** Why the schema cannot be registered ([field under `parameters`, reason]), or null. */
  problem(application: string, version: string, parameters: Record<string, unknown>): Promise<[string, string] | null>;
  register(input: { application: string; version: string; packageId: string; parameters: Record<string, unknown> }, actorName: string): Promise<void>;
}

export class PackagesService {
  readonly store: PackageStore;

  constructor(
    readonly repo: RolloutsRepository,
    private readonly estate: EstateLookups,
    private readonly clock: Clock,
    dataDir: string,
    private readonly maxPackageBytes: number,
    private readonly schemas?: ParameterSchemas,
  ) {
    this.store = new PackageStore(dataDir);
  }

  // ---- keys
  async registerKey(input: PublisherKeyInput, actorName: string): Promise<PublisherKeyView> {
    const key = readPublicKey(input.publicKey);
    if (!key.ok) throw invalidField('publicKey', 'rollouts.public_key_invalid', { problem: key.problem, type: key.type ?? '' });
    const known = await this.repo.key(key.fingerprint);
    if (known) throw refused('rollouts.key_already_registered', { fingerprint: key.fingerprint, name: known.name }, { field: 'publicKey', retryable: false });
    const row: KeyRow = { id: key.fingerprint, name: input.name, public_key: key.pem, created_by: actorName, created_at: this.clock().toISOString(), revoked_at: null };
    await this.repo.insertKey(row);
    return keyView(row);
  }

  async listKeys(): Promise<PublisherKeyView[]> {
    return (await this.repo.keys()).map(keyView);
  }

  /** Packages it signed stay on record, but none can be assigned any more. */
  async revokeKey(id: string): Promise<PublisherKeyView> {
    const key = (await this.repo.key(id)) ?? orNotFound('publisher key', id);
    if (key.revoked_at) throw refused('rollouts.key_already_revoked', { name: key.name }, { retryable: false });
    await this.repo.revokeKey(id, this.clock().toISOString());
    this.baselines = undefined;
    return keyView((await this.repo.key(id))!);
  }

  // ---- packages
  async declare(input: PackageInput, actorName: string): Promise<PackageView> {
    if (!normalVersion(input.version) || normalVersion(input.version) !== input.version.replace(/^v/, '')) {
      throw invalidField('version', 'rollouts.version_not_semantic', { version: input.version });
    }
    if (input.minInstalledVersion && !normalVersion(input.minInstalledVersion)) throw invalidField('minInstalledVersion', 'rollouts.version_invalid', { version: input.minInstalledVersion });
    if (input.size > this.maxPackageBytes) throw fromCatalogue('payload_too_large', 'rollouts.package_too_large', { max: this.maxPackageBytes }, { field: 'size' });
    const key = await this.repo.key(input.keyId);
    if (!key) throw invalidField('keyId', 'rollouts.key_unknown', { id: input.keyId });
    if (key.revoked_at) throw invalidField('keyId', 'rollouts.key_revoked', { name: key.name, at: key.revoked_at });
    for (const modelId of input.compatibleModels) {
      if (!(await this.estate.findModel(modelId))) throw invalidField('compatibleModels', 'common.not_found', { what: 'terminal_model', id: modelId });
    }
    const parametersSha256 = input.parameters ? parametersDigest(input.parameters) : null;
    if (input.parameters) {
      if (input.kind !== 'application') throw invalidField('parameters', 'rollouts.parameters_not_application', { kind: input.kind });
      if (!this.schemas) throw invalidField('parameters', 'rollouts.parameters_unsupported');
      const problem = await this.schemas.problem(input.name, input.version, input.parameters);
      // The reason is the configuration capability's checker's, in English: said inside the catalogue's sentence.
      if (problem) throw invalidField(problem[0], 'rollouts.parameter_schema_invalid', { field: problem[0], reason: problem[1] });
    }
    if (!verifyPackage({ ...input, sha256: input.sha256, parametersSha256 }, input.signature, key.public_key)) {
      throw invalidField('signature', 'rollouts.signature_invalid', {
        keyId: key.id, keyName: key.name, kind: input.kind, name: input.name, version: input.version, size: input.size, sha256: input.sha256, parameters: parametersSha256 ?? 'none',
      });
    }
    if (await this.repo.packageByVersion(input.kind, input.name, input.version)) throw refused('rollouts.package_exists', { kind: input.kind, name: input.name, version: input.version }, { field: 'version', retryable: false });
    const row: PackageRow = {
      id: randomUUID(), kind: input.kind, name: input.name, version: input.version, compatible_models: JSON.stringify(input.compatibleModels),
      min_installed_version: input.minInstalledVersion ?? null, security_patch: input.securityPatch ? 1 : 0,
      release_notes: JSON.stringify(input.releaseNotes ?? { 'zh-CN': '', en: '' }), file_name: input.fileName, size: input.size, sha256: input.sha256,
      signature: input.signature, key_id: key.id, sha1: null, md5: null, uploaded_at: null, created_by: actorName, created_at: this.clock().toISOString(),
      parameters: input.parameters ? JSON.stringify(input.parameters) : null,
    };
    try {
      await this.repo.insertPackage(row);
    } catch (error) {
      // Another request declared the same version between our check and insert.
      if (await this.repo.packageByVersion(input.kind, input.name, input.version)) throw refused('rollouts.package_exists', { kind: input.kind, name: input.name, version: input.version }, { field: 'version', retryable: false });
      throw error;
    }
    return packageView(row);
  }

  /** Streams the content in; it must be exactly the declared size and SHA-256. A second upload is refused. */
  async receiveContent(id: string, content: Readable): Promise<PackageView> {
    const pkg = (await this.repo.package(id)) ?? orNotFound('package', id);
    if (pkg.uploaded_at) throw refused('rollouts.package_has_content', { name: pkg.name, version: pkg.version }, { retryable: false });
    try {
      await this.store.receive(id, content, pkg.size, async (stored) => {
        if (stored.size !== pkg.size) throw invalidField('size', 'rollouts.content_size_mismatch', { actual: stored.size, declared: pkg.size });
        if (stored.sha256 !== pkg.sha256) throw invalidField('sha256', 'rollouts.content_sha_mismatch', { actual: stored.sha256, declared: pkg.sha256 });
        if (!(await this.repo.markUploaded(id, { sha1: stored.sha1, md5: stored.md5 }, this.clock().toISOString()))) throw refused('rollouts.package_has_content', { name: pkg.name, version: pkg.version }, { retryable: false });
      });
    } catch (error) {
      if (error instanceof ContentTooLarge) throw invalidField('size', 'rollouts.content_too_long', { declared: pkg.size });
      throw error;
    }
    // Published: the schema its manifest carries becomes the application version's.
    if (pkg.parameters && this.schemas) {
      await this.schemas.register({ application: pkg.name, version: pkg.version, packageId: pkg.id, parameters: parseJson(pkg.parameters, {}) }, pkg.created_by);
    }
    this.baselines = undefined;
    return packageView((await this.repo.package(id))!);
  }

  async get(id: string): Promise<PackageView> {
    return packageView((await this.repo.package(id)) ?? orNotFound('package', id));
  }

  async list(query: PackageListQuery) {
    const limit = query.limit ?? 100;
    const page = toPage(await this.repo.listPackages({ ...query, limit }), limit, (p) => timeIdKey(p.created_at, p.id));
    return { items: page.items.map(packageView), nextCursor: page.nextCursor };
  }

  /**
   * Per terminal model, the newest application and firmware versions published as security patches:
   * what the diagnostics' software_unpatched rule holds terminals to. Read at most once a minute (at once
   * on this node after a package becomes ready or a key is revoked).
   */
  async securityBaselines(modelIds: string[]): Promise<Map<string, SecurityBaseline>> {
    const now = this.clock().getTime();
    if (!this.baselines || this.baselines.until < now) {
      const latest = new Map<string, SecurityBaseline>();
      for (const p of await this.repo.readyPackages()) {
        if (p.security_patch !== 1 || (p.kind !== 'application' && p.kind !== 'firmware')) continue;
        for (const modelId of parseJson<string[]>(p.compatible_models, [])) {
          const entry = latest.get(modelId) ?? {};
          if (!entry[p.kind] || isOlder(entry[p.kind]!, p.version)) entry[p.kind] = p.version;
          latest.set(modelId, entry);
        }
      }
      this.baselines = { latest, until: now + 60_000 };
    }
    const latest = this.baselines.latest;
    return new Map(modelIds.flatMap((id) => (latest.has(id) ? [[id, latest.get(id)!] as const] : [])));
  }

  private baselines: { latest: Map<string, SecurityBaseline>; until: number } | undefined;

  /** A package that may be assigned: content arrived and its key still stands. */
  async assignable(id: string, field = 'packageId'): Promise<PackageRow> {
    const pkg = await this.repo.package(id);
    if (!pkg) throw invalidField(field, 'common.not_found', { what: 'package', id });
    if (!pkg.uploaded_at) throw invalidField(field, 'rollouts.package_not_uploaded', { name: pkg.name, version: pkg.version });
    const key = await this.repo.key(pkg.key_id);
    if (!key || key.revoked_at) throw invalidField(field, 'rollouts.package_key_revoked', { name: pkg.name, version: pkg.version, key: key?.name ?? pkg.key_id });
    return pkg;
  }
}

export function keyView(row: KeyRow): PublisherKeyView {
  return { id: row.id, name: row.name, publicKey: row.public_key, createdBy: row.created_by, createdAt: row.created_at, revokedAt: row.revoked_at };
}

export function packageView(row: PackageRow): PackageView {
  return {
    id: row.id, kind: row.kind, name: row.name, version: row.version, fileName: row.file_name, size: Number(row.size), sha256: row.sha256, sha1: row.sha1, md5: row.md5,
    signature: row.signature, keyId: row.key_id, compatibleModels: parseJson<string[]>(row.compatible_models, []), minInstalledVersion: row.min_installed_version,
    securityPatch: row.security_patch === 1, releaseNotes: parseJson(row.release_notes, { 'zh-CN': '', en: '' }), ready: row.uploaded_at !== null,
    parametersSha256: row.parameters ? parametersDigest(parseJson(row.parameters, {})) : null,
    uploadedAt: row.uploaded_at, createdBy: row.created_by, createdAt: row.created_at,
  };
}
