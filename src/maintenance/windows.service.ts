// Maintenance windows: operators define when planned work may run (per merchant, site, terminal or
// filter), each window checked against the others of its target. Planning work inside windows is the
// window planner's (window-planner.service.ts), holding due jobs to their window the start gate's
// (start-gate.service.ts), and when a site's window should be the suggested window's
// (suggested-window.service.ts). The rules themselves are the pure functions of ./windows/.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../access/roles.ts';
import type { EstateService } from '../estate/estate.service.ts';
import { AppError, invalidField, orNotFound, refused } from '../shared/errors.ts';
import { formatMessage, type MessageParams } from '../shared/messages/format.ts';
import { parseJson } from '../shared/json.ts';
import { toPage } from '../shared/paging.ts';
import type { Clock } from '../shared/time.ts';
import { OPEN } from '../shared/job-states.ts';
import { definitionOf, occurrenceView } from './window-defs.ts';
import {
  conflicts, nextOccurrence, OccurrenceLimitError, occurrences, validateWindow,
  type Occurrence, type TargetWindow, type WindowConflict, type WindowDef, type WindowProblem,
} from './windows/index.ts';
import { DAY_MS } from './windows/time-zone.ts';
import type { WindowListQuery, WindowRow, WindowsRepository } from './windows.repository.ts';
import type { WindowInput, WindowPatch, WindowSchedule, WindowTarget, WindowView } from './windows.schemas.ts';

/** How far ahead windows of one target are compared, longest first (a range with too many occurrences is shortened). */
const CONFLICT_HORIZONS_DAYS = [366, 62, 8, 1];

type Target =
  | { kind: 'merchant' | 'site' | 'terminal'; id: string; filter: null; timeZone: string | null }
  | { kind: 'filter'; id: string | null; filter: { tag?: string; modelId?: string }; timeZone: string | null };

export class WindowsService {
  constructor(
    private readonly repo: WindowsRepository,
    private readonly clock: Clock,
    private readonly estate: EstateService,
  ) {}

  async create(input: WindowInput, scope: Scope, actorName: string): Promise<WindowView> {
    const now = this.clock();
    const target = await this.resolveTarget(input.target, scope);
    const timeZone = input.timeZone ?? target.timeZone;
    if (!timeZone) throw invalidField('timeZone', 'maintenance.time_zone_required');
    const def = checkedDefinition(input.schedule, timeZone, now);
    const id = randomUUID();
    const key = targetKey(target);
    await this.assertNoConflict(key, id, def, now);
    const at = now.toISOString();
    const row: WindowRow = {
      id, name: input.name, target_kind: target.kind, target_id: target.id, target_filter: target.filter ? JSON.stringify(target.filter) : null,
      target_key: key, ...scheduleColumns(def), time_zone: timeZone, created_by: actorName, created_at: at, updated_at: at,
    };
    await this.repo.insert(row);
    return windowView(row, now);
  }

  async get(id: string, scope: Scope): Promise<WindowView> {
    return windowView(await this.require(id, scope), this.clock());
  }

  async list(query: WindowListQuery, scope: Scope) {
    const now = this.clock();
    const page = toPage(await this.repo.list(query, scope), query.limit, (w) => w.id);
    return { items: page.items.map((w) => windowView(w, now)), nextCursor: page.nextCursor };
  }

  /** Changes name, schedule or time zone; jobs already planned in the window follow its new times at their start. */
  async update(id: string, patch: WindowPatch, scope: Scope): Promise<WindowView> {
    const now = this.clock();
    const row = await this.require(id, scope);
    const current = definitionOf(row);
    const schedule: WindowSchedule = patch.schedule ?? {
      kind: current.kind, durationMinutes: current.durationMinutes,
      ...(current.kind === 'once' ? { start: current.start } : current.kind === 'rrule' ? { rrule: current.rrule } : { cron: current.cron }),
    };
    const timeZone = patch.timeZone ?? row.time_zone;
    const def = patch.schedule || patch.timeZone ? checkedDefinition(schedule, timeZone, now) : current;
    if (patch.schedule || patch.timeZone) await this.assertNoConflict(row.target_key, row.id, def, now);
    const changes: Partial<WindowRow> = { ...(patch.name !== undefined && { name: patch.name }), ...scheduleColumns(def), time_zone: timeZone, updated_at: now.toISOString() };
    await this.repo.update(id, changes);
    return windowView({ ...row, ...changes }, now);
  }

  /** Deleting a window that open planned jobs still wait for would strand them: abort them first. */
  async remove(id: string, scope: Scope): Promise<void> {
    await this.require(id, scope);
    const waiting = await this.repo.delete(id, OPEN);
    if (waiting > 0) throw refused('maintenance.window_has_jobs', { count: waiting }, { retryable: false });
  }

  async occurrences(id: string, range: { from?: string | undefined; to?: string | undefined }, scope: Scope) {
    const row = await this.require(id, scope);
    const from = range.from ? new Date(range.from) : this.clock();
    const to = range.to ? new Date(range.to) : new Date(from.getTime() + 14 * DAY_MS);
    if (!(to.getTime() > from.getTime())) throw invalidField('to', 'common.from_before_to');
    let items: Occurrence[];
    try {
      items = occurrences(definitionOf(row), from, to);
    } catch (error) {
      if (error instanceof OccurrenceLimitError) throw invalidField('to', 'maintenance.range_too_long', { limit: error.limit, max: error.max });
      throw error;
    }
    return { windowId: row.id, timeZone: row.time_zone, items: items.map((o) => occurrenceView(o, row.time_zone)) };
  }

  private async require(id: string, scope: Scope): Promise<WindowRow> {
    // Outside the caller's scope a window does not exist: the same answer as for an unknown id.
    return (await this.repo.find(id, scope)) ?? orNotFound('maintenance window', id);
  }

  private async resolveTarget(target: WindowTarget, scope: Scope): Promise<Target> {
    const given = (['merchantId', 'siteId', 'terminalId', 'filter'] as const).filter((k) => target[k] !== undefined);
    if (given.length !== 1) throw invalidField('target', 'maintenance.one_target');
    if (target.merchantId !== undefined) {
      const merchant = await this.estate.getMerchant(target.merchantId, scope);
      return { kind: 'merchant', id: merchant.id, filter: null, timeZone: merchant.timeZone };
    }
    if (target.siteId !== undefined) {
      const site = await this.estate.getSite(target.siteId, scope);
      return { kind: 'site', id: site.id, filter: null, timeZone: site.timeZone };
    }
    if (target.terminalId !== undefined) {
      const terminal = await this.estate.getTerminal(target.terminalId, scope);
      if (terminal.deletedAt) throw invalidField('target.terminalId', 'maintenance.terminal_deleted', { serial: terminal.serialNumber });
      const site = terminal.siteId ? await this.estate.getSite(terminal.siteId, scope) : null;
      return { kind: 'terminal', id: terminal.id, filter: null, timeZone: site?.timeZone ?? null };
    }
    const filter = target.filter!;
    if (filter.tag === undefined && filter.modelId === undefined) throw invalidField('target.filter', 'maintenance.filter_empty');
    if (filter.modelId !== undefined && !(await this.estate.findModel(filter.modelId))) {
      throw invalidField('target.filter.modelId', 'common.does_not_exist', { what: 'model', id: filter.modelId });
    }
    const merchant = filter.merchantId !== undefined ? await this.estate.getMerchant(filter.merchantId, scope) : null;
    return {
      kind: 'filter', id: merchant?.id ?? null, timeZone: merchant?.timeZone ?? null,
      filter: { ...(filter.tag !== undefined && { tag: filter.tag }), ...(filter.modelId !== undefined && { modelId: filter.modelId }) },
    };
  }

  /** 409 when the window would overlap, or read its times in another zone than, a window of the same target. */
  private async assertNoConflict(key: string, id: string, def: WindowDef, now: Date): Promise<void> {
    const others = (await this.repo.ofTarget(key)).filter((w) => w.id !== id);
    if (!others.length) return;
    const list: TargetWindow[] = [...others.map((w) => ({ id: w.id, target: key, def: definitionOf(w) })), { id, target: key, def }];
    const found = conflictsAhead(list, now).filter((c) => c.ids.includes(id));
    const first = found[0];
    if (!first) return;
    const other = others.find((w) => first.ids.includes(w.id))!;
    // What a person reads: the other window's name and the first clash in the target's wall-clock time (no ids).
    const zone = def.timeZone ?? other.time_zone;
    const said: MessageParams = first.kind === 'overlap'
      ? { other: other.name, count: first.count, first: `${new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(first.first.start)} (${zone})` }
      : { other: other.name, zone: other.time_zone, ours: zone };
    const catalogueKey = first.kind === 'overlap' ? 'maintenance.window_overlaps' : 'maintenance.window_zone_differs';
    // With the clashing windows as details, which fromCatalogue does not carry: the same catalogue entry otherwise.
    throw new AppError('conflict', formatMessage('en', catalogueKey, said)!, first.kind === 'overlap' ? 'schedule' : 'timeZone', {
      conflicts: found.map((c) => ({ kind: c.kind, windowId: c.ids.find((x) => x !== id) })),
    }).says(catalogueKey, said, false);
  }
}

function targetKey(target: Target): string {
  if (target.kind !== 'filter') return `${target.kind}:${target.id}`;
  const canonical = JSON.stringify({ merchantId: target.id, modelId: target.filter.modelId ?? null, tag: target.filter.tag ?? null });
  return `filter:${canonical}`;
}

/** The schedule as the rules read it, or 400 naming the field (schedule.rrule, timeZone, …). */
function checkedDefinition(schedule: WindowSchedule, timeZone: string, now: Date): WindowDef {
  const own = schedule.kind === 'once' ? 'start' : schedule.kind;
  const stray = (['start', 'rrule', 'cron'] as const).find((field) => field !== own && schedule[field] !== undefined);
  if (stray) throw invalidField(`schedule.${stray}`, 'maintenance.schedule_field_unused', { field: stray, kind: schedule.kind, own });
  // Unchecked on purpose: validateWindow names whatever is missing or wrong in it.
  const def = { kind: schedule.kind, [own]: schedule[own], durationMinutes: schedule.durationMinutes, timeZone } as unknown as WindowDef;
  const problems = validateWindow(def, now);
  if (problems.length) throw definitionError(problems);
  return def;
}

/** The first problem said from the catalogue; every problem (its field and English reason) in the details. */
function definitionError(problems: WindowProblem[]): AppError {
  const named = problems.map((p) => ({ field: p.field === 'timeZone' ? 'timeZone' : `schedule.${p.field}`, reason: p.reason }));
  const first = problems[0]!;
  // With the problems as details, which fromCatalogue does not carry: the same catalogue entry otherwise.
  return new AppError('validation_error', formatMessage('en', first.key, first.params)!, named[0]!.field, { problems: named }).says(first.key, first.params);
}

function conflictsAhead(windows: TargetWindow[], now: Date): WindowConflict[] {
  for (const days of CONFLICT_HORIZONS_DAYS) {
    try {
      return conflicts(windows, now, new Date(now.getTime() + days * DAY_MS));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return [];
}

function scheduleColumns(def: WindowDef): Pick<WindowRow, 'schedule_kind' | 'schedule_start' | 'rrule' | 'cron' | 'duration_minutes'> {
  return {
    schedule_kind: def.kind, schedule_start: def.kind === 'once' ? def.start : null, rrule: def.kind === 'rrule' ? def.rrule : null,
    cron: def.kind === 'cron' ? def.cron : null, duration_minutes: def.durationMinutes,
  };
}

function windowView(row: WindowRow, now: Date): WindowView {
  const def = definitionOf(row);
  const next = nextOccurrence(def, now);
  const filter = parseJson<{ tag?: string; modelId?: string }>(row.target_filter, {});
  const target = row.target_kind === 'merchant' ? { merchantId: row.target_id! }
    : row.target_kind === 'site' ? { siteId: row.target_id! }
    : row.target_kind === 'terminal' ? { terminalId: row.target_id! }
    : { filter: { ...filter, ...(row.target_id !== null && { merchantId: row.target_id }) } };
  return {
    id: row.id, name: row.name, target,
    schedule: {
      kind: def.kind, durationMinutes: def.durationMinutes,
      ...(def.kind === 'once' ? { start: def.start } : def.kind === 'rrule' ? { rrule: def.rrule } : { cron: def.cron }),
    },
    timeZone: row.time_zone, next: next ? occurrenceView(next, row.time_zone) : null,
    createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}
