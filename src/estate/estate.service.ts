// Use cases of the estate registry. Checks that need the database (does the site exist, is the serial
// free) live here; pure checks live in estate.rules.ts; queries in estate.repository.ts.
import { randomUUID } from 'node:crypto';
import { AppError, invalidField, orNotFound, refused } from '../shared/errors.ts';
import { formatMessage } from '../shared/messages/format.ts';
import { toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import { FLEET, type Scope } from '../access/roles.ts';
import type { EstateRepository, NamedPageQuery } from './estate.repository.ts';
import type { TerminalWrites } from './terminal-writes.repository.ts';
import { assertOpeningHours, assertTimeZone, DEFAULT_RECEIPTS_PER_ROLL, defaultStatus } from './estate.rules.ts';
import type {
  BulkTagInput, BulkTagResult, ImportResult, MerchantInput, MerchantPatch, Site, SiteInput, SitePatch, Terminal, TerminalFilter, TerminalInput, TerminalModel,
  TerminalModelInput, TerminalModelPatch, TerminalPatch,
} from './estate.schemas.ts';
import { checkTerminalRows, formatTerminalCsv, parseTerminalCsv, type RowError } from './terminal-csv.ts';

export interface ImportOptions {
  /** Import the good rows even when some are bad (default: nothing is imported if any row is bad). */
  partial?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export class EstateService {
  constructor(
    private readonly repo: EstateRepository,
    private readonly terminalWrites: TerminalWrites,
    private readonly clock: Clock,
    /** Told when a terminal is deleted, so cached device credentials die with it. */
    private readonly onTerminalDeleted: (terminalId: string) => void = () => {},
  ) {}

  private now = () => this.clock().toISOString();

  // ---- for other capabilities: look-ups that answer undefined rather than 404 (they never reach the repository)
  findTerminal(id: string, scope?: Scope): Promise<Terminal | undefined> {
    return this.repo.findTerminal(id, scope);
  }

  findSite(id: string): Promise<Site | undefined> {
    return this.repo.findSite(id);
  }

  findModel(id: string): Promise<TerminalModel | undefined> {
    return this.repo.findModel(id);
  }

  // ---- merchants
  async createMerchant(input: MerchantInput) {
    assertTimeZone('timeZone', input.timeZone);
    const now = this.now();
    const id = randomUUID();
    await this.repo.insertMerchant({
      id, name: input.name, contact_email: input.contactEmail ?? null, contact_phone: input.contactPhone ?? null,
      time_zone: input.timeZone, locale: input.locale, created_at: now, updated_at: now,
    });
    return this.getMerchant(id);
  }

  async getMerchant(id: string, scope: Scope = FLEET) {
    return (await this.repo.findMerchant(id, scope)) ?? orNotFound('merchant', id);
  }

  async updateMerchant(id: string, patch: MerchantPatch) {
    await this.getMerchant(id);
    if (patch.timeZone !== undefined) assertTimeZone('timeZone', patch.timeZone);
    await this.repo.updateMerchant(id, {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.contactEmail !== undefined && { contact_email: patch.contactEmail }),
      ...(patch.contactPhone !== undefined && { contact_phone: patch.contactPhone }),
      ...(patch.timeZone !== undefined && { time_zone: patch.timeZone }),
      ...(patch.locale !== undefined && { locale: patch.locale }),
      updated_at: this.now(),
    });
    return this.getMerchant(id);
  }

  async deleteMerchant(id: string) {
    const merchant = await this.getMerchant(id);
    if (await this.repo.merchantHasSites(id)) throw refused('estate.merchant_has_sites', { merchant: merchant.name }, { retryable: false });
    await this.repo.deleteMerchant(id);
  }

  async listMerchants(query: NamedPageQuery, scope: Scope = FLEET) {
    return toPage(await this.repo.listMerchants(query, scope), query.limit, (m) => m.id);
  }

  // ---- sites
  async createSite(input: SiteInput) {
    if (!(await this.repo.findMerchant(input.merchantId))) throw invalidField('merchantId', 'common.does_not_exist', { what: 'merchant', id: input.merchantId });
    if (input.timeZone) assertTimeZone('timeZone', input.timeZone);
    if (input.openingHours) assertOpeningHours(input.openingHours);
    if (await this.repo.siteCodeTaken(input.code)) throw refused('estate.site_code_taken', { code: input.code }, { field: 'code' });
    const now = this.now();
    const id = randomUUID();
    await this.repo.insertSite({
      id, merchant_id: input.merchantId, code: input.code, name: input.name, address: input.address ?? null,
      latitude: input.latitude ?? null, longitude: input.longitude ?? null, time_zone: input.timeZone ?? null,
      opening_hours: JSON.stringify(input.openingHours ?? {}), environment: JSON.stringify(input.environment ?? ['indoor']),
      created_at: now, updated_at: now,
    });
    return this.getSite(id);
  }

  async getSite(id: string, scope: Scope = FLEET) {
    return (await this.repo.findSite(id, scope)) ?? orNotFound('site', id);
  }

  async updateSite(id: string, patch: SitePatch) {
    await this.getSite(id);
    if (patch.merchantId !== undefined && !(await this.repo.findMerchant(patch.merchantId))) {
      throw invalidField('merchantId', 'common.does_not_exist', { what: 'merchant', id: patch.merchantId });
    }
    if (patch.timeZone) assertTimeZone('timeZone', patch.timeZone);
    if (patch.openingHours) assertOpeningHours(patch.openingHours);
    if (patch.code !== undefined && (await this.repo.siteCodeTaken(patch.code, id))) throw refused('estate.site_code_taken', { code: patch.code }, { field: 'code' });
    await this.repo.updateSite(id, {
      ...(patch.merchantId !== undefined && { merchant_id: patch.merchantId }),
      ...(patch.code !== undefined && { code: patch.code }),
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.address !== undefined && { address: patch.address }),
      ...(patch.latitude !== undefined && { latitude: patch.latitude }),
      ...(patch.longitude !== undefined && { longitude: patch.longitude }),
      ...(patch.timeZone !== undefined && { time_zone: patch.timeZone }),
      ...(patch.openingHours !== undefined && { opening_hours: JSON.stringify(patch.openingHours) }),
      ...(patch.environment !== undefined && { environment: JSON.stringify(patch.environment) }),
      updated_at: this.now(),
    });
    return this.getSite(id);
  }

  async deleteSite(id: string) {
    const site = await this.getSite(id);
    if (await this.repo.siteHasTerminals(id)) throw refused('estate.site_has_terminals', { site: site.name }, { retryable: false });
    await this.repo.deleteSite(id);
  }

  async listSites(query: NamedPageQuery, scope: Scope = FLEET) {
    return toPage(await this.repo.listSites(query, scope), query.limit, (s) => s.id);
  }

  // ---- terminal models
  async createModel(input: TerminalModelInput) {
    if (await this.repo.modelCodeTaken(input.code)) throw refused('estate.model_code_taken', { code: input.code }, { field: 'code' });
    const now = this.now();
    const id = randomUUID();
    await this.repo.insertModel({
      id, code: input.code, vendor: input.vendor, model: input.model, components: JSON.stringify(input.components),
      pts_approval_number: input.ptsApprovalNumber ?? null, pts_expires_at: input.ptsExpiresAt ?? null, receipts_per_roll: input.receiptsPerRoll ?? DEFAULT_RECEIPTS_PER_ROLL, created_at: now, updated_at: now,
    });
    return this.getModel(id);
  }

  async getModel(id: string) {
    return (await this.repo.findModel(id)) ?? orNotFound('terminal model', id);
  }

  async updateModel(id: string, patch: TerminalModelPatch) {
    await this.getModel(id);
    if (patch.code !== undefined && (await this.repo.modelCodeTaken(patch.code, id))) throw refused('estate.model_code_taken', { code: patch.code }, { field: 'code' });
    await this.repo.updateModel(id, {
      ...(patch.code !== undefined && { code: patch.code }),
      ...(patch.vendor !== undefined && { vendor: patch.vendor }),
      ...(patch.model !== undefined && { model: patch.model }),
      ...(patch.components !== undefined && { components: JSON.stringify(patch.components) }),
      ...(patch.ptsApprovalNumber !== undefined && { pts_approval_number: patch.ptsApprovalNumber }),
      ...(patch.ptsExpiresAt !== undefined && { pts_expires_at: patch.ptsExpiresAt }),
      ...(patch.receiptsPerRoll !== undefined && { receipts_per_roll: patch.receiptsPerRoll }),
      updated_at: this.now(),
    });
    return this.getModel(id);
  }

  async deleteModel(id: string) {
    const model = await this.getModel(id);
    if (await this.repo.modelHasTerminals(id)) throw refused('estate.model_has_terminals', { model: `${model.vendor} ${model.model}` }, { retryable: false });
    await this.repo.deleteModel(id);
  }

  async listModels(query: NamedPageQuery) {
    return toPage(await this.repo.listModels(query), query.limit, (m) => m.id);
  }

  // ---- terminals
  async createTerminal(input: TerminalInput): Promise<Terminal> {
    const model = await this.repo.findModel(input.modelId);
    if (!model) throw invalidField('modelId', 'common.does_not_exist', { what: 'model', id: input.modelId });
    if (input.siteId && !(await this.repo.findSite(input.siteId))) throw invalidField('siteId', 'common.does_not_exist', { what: 'site', id: input.siteId });
    const existing = await this.repo.findTerminalIdBySerial(input.serialNumber);
    if (existing) {
      throw refused('estate.serial_taken', { serial: input.serialNumber, deleted: existing.deleted ? 'yes' : 'no' }, { field: 'serialNumber' });
    }
    const id = randomUUID();
    const now = this.now();
    await this.terminalWrites.create({
      id, serial_number: input.serialNumber, model_id: input.modelId, site_id: input.siteId ?? null,
      status: input.status ?? defaultStatus(input.siteId), app_version: input.appVersion ?? null,
      firmware_version: input.firmwareVersion ?? null, components: JSON.stringify(input.components ?? model.components),
      network_type: input.networkType ?? null, created_at: now, updated_at: now, deleted_at: null,
    }, input.tags ?? []);
    return this.getTerminal(id);
  }

  /** A terminal outside the caller's scope is "not found": its existence is not revealed. */
  async getTerminal(id: string, scope: Scope = FLEET): Promise<Terminal> {
    return (await this.repo.findTerminal(id, scope)) ?? orNotFound('terminal', id);
  }

  /** The terminals of `ids` in their order, read together; the first one the scope does not see is not found. */
  async getTerminals(ids: readonly string[], scope: Scope = FLEET): Promise<Terminal[]> {
    const byId = new Map((await this.repo.findTerminals(ids, scope)).map((t) => [t.id, t]));
    return ids.map((id) => byId.get(id) ?? orNotFound('terminal', id));
  }

  async updateTerminal(id: string, patch: TerminalPatch): Promise<Terminal> {
    const terminal = await this.getTerminal(id);
    if (terminal.deletedAt) throw refused('estate.terminal_deleted', { serial: terminal.serialNumber }, { retryable: false });
    if (patch.modelId !== undefined && !(await this.repo.findModel(patch.modelId))) throw invalidField('modelId', 'common.does_not_exist', { what: 'model', id: patch.modelId });
    if (patch.siteId && !(await this.repo.findSite(patch.siteId))) throw invalidField('siteId', 'common.does_not_exist', { what: 'site', id: patch.siteId });
    if (patch.serialNumber !== undefined && patch.serialNumber !== terminal.serialNumber && (await this.repo.findTerminalIdBySerial(patch.serialNumber))) {
      throw refused('estate.serial_taken', { serial: patch.serialNumber, deleted: 'no' }, { field: 'serialNumber' });
    }
    await this.terminalWrites.update(id, {
      ...(patch.serialNumber !== undefined && { serial_number: patch.serialNumber }),
      ...(patch.modelId !== undefined && { model_id: patch.modelId }),
      ...(patch.siteId !== undefined && { site_id: patch.siteId }),
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.appVersion !== undefined && { app_version: patch.appVersion }),
      ...(patch.firmwareVersion !== undefined && { firmware_version: patch.firmwareVersion }),
      ...(patch.components !== undefined && { components: JSON.stringify(patch.components) }),
      ...(patch.networkType !== undefined && { network_type: patch.networkType }),
      updated_at: this.now(),
    }, patch.tags);
    return this.getTerminal(id);
  }

  /**
   * Adds and removes tags on each chosen terminal, with an outcome per terminal in the order given; a
   * terminal the caller may not see (or deleted) is `not_found` and does not stop the others.
   */
  async tagTerminals(input: BulkTagInput, scope: Scope = FLEET): Promise<BulkTagResult> {
    const add = input.add ?? [];
    const remove = new Set(input.remove ?? []);
    if (add.length === 0 && remove.size === 0) throw invalidField('add', 'estate.tags_nothing');
    const both = add.find((tag) => remove.has(tag));
    if (both !== undefined) throw invalidField('remove', 'estate.tag_both', { tag: both });
    const items: BulkTagResult['items'] = [];
    for (const terminalId of input.terminalIds) {
      const terminal = await this.repo.findTerminal(terminalId, scope);
      if (!terminal || terminal.deletedAt) { items.push({ terminalId, outcome: 'not_found', tags: [] }); continue; }
      const tags = [...new Set([...terminal.tags.filter((tag) => !remove.has(tag)), ...add])].sort();
      if (tags.join('\n') === [...terminal.tags].sort().join('\n')) { items.push({ terminalId, outcome: 'unchanged', tags }); continue; }
      await this.terminalWrites.update(terminalId, { updated_at: this.now() }, tags);
      items.push({ terminalId, outcome: 'tagged', tags });
    }
    return { items };
  }

  /** Soft delete: the terminal leaves the estate and its credentials stop working; its history stays. */
  async deleteTerminal(id: string): Promise<void> {
    const terminal = await this.getTerminal(id);
    if (terminal.deletedAt) return;
    await this.terminalWrites.retire(id, this.now());
    this.onTerminalDeleted(id);
  }

  async listTerminals(query: TerminalFilter & { limit: number; cursor?: string | undefined }, scope: Scope = FLEET) {
    const { limit, cursor, ...filter } = query;
    return toPage(await this.repo.listTerminals(filter, { limit, cursor }, scope), limit, (t) => t.serialNumber);
  }

  // ---- CSV
  /**
   * Imports terminals from CSV. A serial already in the estate is updated, a new one is created.
   * All rows are checked before anything is written; with any bad row nothing is written unless `partial`.
   */
  async importTerminals(csv: string, options: ImportOptions = {}): Promise<ImportResult> {
    const records = parseTerminalCsv(csv);
    const { rows, errors } = checkTerminalRows(records, await this.repo.codeLookups());
    const [first] = errors;
    if (first && !options.partial) {
      const params = { line: String(first.line), column: first.field, problem: first.problem, value: '', firstLine: '', allowed: '', ...first.params, more: errors.length - 1 };
      // Built by hand (not fromCatalogue) only to carry every row's problem in `details`; said from the catalogue all the same.
      throw new AppError('invalid_csv', formatMessage('en', 'estate.csv_rows_invalid', params) ?? '', first.field, {
        errors: errors.map(inEnglish),
      }).says('estate.csv_rows_invalid', params);
    }
    const result = await this.terminalWrites.importRows(rows, this.now(), options.onProgress);
    return { ...result, errors: errors.map(inEnglish) };
  }

  /** Streams the matching terminals as CSV text chunks (header first). */
  async *exportTerminals(filter: TerminalFilter, scope: Scope = FLEET): AsyncGenerator<string> {
    let first = true;
    for await (const page of this.repo.exportRows(filter, scope, 1000)) {
      yield formatTerminalCsv(page, first);
      first = false;
    }
    if (first) yield formatTerminalCsv([], true);
  }
}

/** A row's problem as the import answers it: line, field and the reason in English. */
function inEnglish({ line, field, reason }: RowError): ImportResult['errors'][number] {
  return { line, field, reason };
}
