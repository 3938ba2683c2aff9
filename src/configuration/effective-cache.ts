// Every terminal's effective configuration hash, held in memory so the heartbeat answer costs no query.
// Filled from the database at start (and refreshed by the configuration tick); a change recomputes only
// the terminals under the level it touched. Terminals sharing a site and groups share the merged values
// of the levels above them, computed once; only terminal-level values (TID, MID) are merged per terminal.
import { createHash } from 'node:crypto';
import { configurationHash } from './hash.ts';
import { canonicalJson, effective, type Layer, type Level, type ParameterSchema, type Values } from './parameters.ts';

export interface Placement { merchantId: string | null; siteId: string | null; modelId: string; tags: string[] }
export interface GroupFilter { merchantId?: string; siteId?: string; modelId?: string; tag?: string }
export interface Group { id: string; filter: GroupFilter }
/** A change a configuration campaign already gave a terminal: its level's values with `delta` on top (null removes). */
export interface HeldChange { changeId: string; level: Level; scopeId: string; delta: Values }

export function inGroup(p: Placement, f: GroupFilter): boolean {
  return (!f.merchantId || f.merchantId === p.merchantId) && (!f.siteId || f.siteId === p.siteId)
    && (!f.modelId || f.modelId === p.modelId) && (!f.tag || p.tags.includes(f.tag));
}

/** The merged values of the levels above a terminal, as canonical JSON fragments. */
interface Upper {
  /** `"name":value` of each parameter with a value, by name. */
  fragments: Map<string, string>;
  /** Their names, sorted (the canonical order). */
  names: string[];
  hash: string;
  /**
   * Per set of terminal-level parameter names ("mid,tid"): the canonical text around them, so a
   * terminal's hash is a few updates of literal text and its own fragments, not a rebuild of 200.
   */
  templates: Map<string, { gaps: string[]; names: string[] }>;
}

export class EffectiveCache {
  private parameters: ParameterSchema = {};
  private readonly values = new Map<Level, Map<string, Values>>(LEVEL_LIST.map((l) => [l, new Map()]));
  private groups: Group[] = [];
  private readonly placements = new Map<string, Placement>();
  private readonly hashes = new Map<string, string>();
  private uppers = new Map<string, Upper>();
  /** Terminals running a change ahead of their level (its campaign goes on): computed one by one. */
  private readonly held = new Map<string, HeldChange>();

  /** Replaces everything (at start and on refresh), then recomputes every hash. */
  load(state: {
    parameters: ParameterSchema; values: { level: Level; scopeId: string; values: Values }[]; groups: Group[]; placements: Map<string, Placement>;
    held?: Map<string, HeldChange>;
  }): void {
    this.held.clear();
    for (const [id, h] of state.held ?? []) this.held.set(id, h);
    this.parameters = state.parameters;
    for (const m of this.values.values()) m.clear();
    for (const v of state.values) this.values.get(v.level)!.set(v.scopeId, v.values);
    this.groups = state.groups;
    this.placements.clear();
    for (const [id, p] of state.placements) this.placements.set(id, p);
    this.recomputeAll();
  }

  get schema(): ParameterSchema {
    return this.parameters;
  }

  setSchema(parameters: ParameterSchema): void {
    this.parameters = parameters;
    this.recomputeAll();
  }

  hashOf(terminalId: string): string | undefined {
    return this.hashes.get(terminalId);
  }

  placement(terminalId: string): Placement | undefined {
    return this.placements.get(terminalId);
  }

  terminalIds(): IterableIterator<string> {
    return this.placements.keys();
  }

  levelValues(level: Level, scopeId: string): Values {
    return this.values.get(level)!.get(scopeId) ?? {};
  }

  /** Every terminal-level value of a parameter (for uniqueness checks). */
  *terminalValues(parameter: string): Generator<[string, unknown]> {
    for (const [terminalId, values] of this.values.get('terminal')!) if (values[parameter] !== undefined) yield [terminalId, values[parameter]];
  }

  /** A level's values changed: recompute the terminals under it. */
  setLevel(level: Level, scopeId: string, values: Values): void {
    if (Object.keys(values).length) this.values.get(level)!.set(scopeId, values);
    else this.values.get(level)!.delete(scopeId);
    if (level === 'terminal') {
      if (this.placements.has(scopeId)) this.recompute(scopeId);
      return;
    }
    this.uppers = new Map(); // cheap to rebuild: one per site and group set
    const under = (id: string, p: Placement) => level === 'fleet' || (level === 'merchant' && p.merchantId === scopeId) || (level === 'site' && p.siteId === scopeId)
      || (level === 'group' && this.groups.some((g) => g.id === scopeId && inGroup(p, g.filter)));
    for (const [id, p] of this.placements) if (under(id, p)) this.recompute(id);
  }

  /** The change a campaign gave the terminal ahead of its level, if any. */
  heldBy(terminalId: string): HeldChange | undefined {
    return this.held.get(terminalId);
  }

  /** A campaign gave the terminal a change (or, undefined, took it back): its hash changes now. */
  setHeld(terminalId: string, change: HeldChange | undefined): void {
    if (change) this.held.set(terminalId, change);
    else this.held.delete(terminalId);
    if (this.placements.has(terminalId)) this.recompute(terminalId);
  }

  /** Every terminal holding a change. */
  holders(changeId: string): string[] {
    return [...this.held].filter(([, h]) => h.changeId === changeId).map(([id]) => id);
  }

  groupList(): Group[] {
    return this.groups;
  }

  setGroups(groups: Group[]): void {
    this.groups = groups;
    this.recomputeAll();
  }

  setPlacement(terminalId: string, placement: Placement | undefined): void {
    if (placement) {
      this.placements.set(terminalId, placement);
      this.recompute(terminalId);
    } else {
      this.placements.delete(terminalId);
      this.hashes.delete(terminalId);
    }
  }

  /** The layers of a terminal, fleet first. */
  layers(terminalId: string): Layer[] {
    const p = this.placements.get(terminalId);
    const layer = (level: Level, scopeId: string | null | undefined): Layer[] => {
      if (scopeId === null || scopeId === undefined) return [];
      const values = this.values.get(level)!.get(scopeId);
      return values ? [{ level, scopeId, values }] : [];
    };
    const layers = [
      ...layer('fleet', ''),
      ...layer('merchant', p?.merchantId), ...layer('site', p?.siteId),
      ...(p ? this.groups.filter((g) => inGroup(p, g.filter)).flatMap((g) => layer('group', g.id)) : []),
      ...layer('terminal', terminalId),
    ];
    const held = this.held.get(terminalId);
    if (!held) return layers;
    const at = layers.findIndex((l) => l.level === held.level && l.scopeId === held.scopeId);
    const base = at >= 0 ? layers[at]!.values : {};
    const values: Values = { ...base };
    for (const [n, v] of Object.entries(held.delta)) {
      if (v === null) delete values[n];
      else values[n] = v;
    }
    const changed = { level: held.level, scopeId: held.scopeId, values };
    if (at >= 0) layers[at] = changed;
    else layers.splice(LEVEL_LIST.indexOf(held.level) === 0 ? 0 : layers.filter((l) => LEVEL_LIST.indexOf(l.level) <= LEVEL_LIST.indexOf(held.level)).length, 0, changed);
    return layers;
  }

  /** A terminal's effective values and their sources (computed on demand: the API and the device fetch). */
  effectiveOf(terminalId: string) {
    return effective(this.parameters, this.layers(terminalId));
  }

  recomputeAll(): void {
    this.uppers = new Map();
    for (const id of this.placements.keys()) this.recompute(id);
  }

  private recompute(terminalId: string): void {
    if (this.held.has(terminalId)) {
      this.hashes.set(terminalId, configurationHash(this.effectiveOf(terminalId).values));
      return;
    }
    const p = this.placements.get(terminalId)!;
    const groups = this.groups.filter((g) => inGroup(p, g.filter)).map((g) => g.id);
    const upper = this.upper(p.merchantId, p.siteId, groups);
    const own = this.values.get('terminal')!.get(terminalId);
    const ownNames = own ? Object.keys(own).filter((n) => n in this.parameters && own[n] !== undefined).sort() : [];
    if (ownNames.length === 0) {
      this.hashes.set(terminalId, upper.hash);
      return;
    }
    const key = ownNames.join(',');
    let template = upper.templates.get(key);
    if (!template) {
      const names = [...new Set([...upper.names, ...ownNames])].sort();
      const gaps: string[] = [];
      let text = '{';
      names.forEach((n, i) => {
        const sep = i === 0 ? '' : ',';
        if (ownNames.includes(n)) {
          gaps.push(text + sep);
          text = '';
        } else {
          text += sep + upper.fragments.get(n)!;
        }
      });
      gaps.push(`${text}}`);
      template = { gaps, names: ownNames };
      upper.templates.set(key, template);
    }
    // The canonical JSON of upper ∪ own: exactly the text configurationHash hashes.
    const hash = createHash('sha256').update(template.gaps[0]!);
    for (let i = 0; i < ownNames.length; i++) {
      const n = ownNames[i]!;
      hash.update(`${JSON.stringify(n)}:${canonicalJson(own![n])}`).update(template.gaps[i + 1]!);
    }
    this.hashes.set(terminalId, hash.digest('hex'));
  }

  /** Defaults, fleet, merchant, site and groups merged; each step cached and built on the one above. */
  private upper(merchantId: string | null, siteId: string | null, groups: string[]): Upper {
    const chain: [Level, string | null][] = [['fleet', ''], ['merchant', merchantId], ['site', siteId], ...groups.map((g): [Level, string] => ['group', g])];
    let key = '';
    let upper: Upper | undefined;
    for (const [level, scopeId] of chain) {
      key += `|${level}:${scopeId ?? ''}`;
      const cached = this.uppers.get(key);
      if (cached) {
        upper = cached;
        continue;
      }
      const fragments = new Map(upper?.fragments ?? this.defaults());
      let added = false;
      const values = scopeId === null ? undefined : this.values.get(level)!.get(scopeId);
      for (const [n, v] of Object.entries(values ?? {})) {
        if (!(n in this.parameters) || v === undefined) continue;
        if (!fragments.has(n)) added = true;
        fragments.set(n, `${JSON.stringify(n)}:${canonicalJson(v)}`);
      }
      const names = !upper ? [...fragments.keys()].sort() : added ? [...fragments.keys()].sort() : upper.names;
      const hash = createHash('sha256').update(`{${names.map((n) => fragments.get(n)).join(',')}}`).digest('hex');
      upper = { fragments, names, hash, templates: new Map() };
      this.uppers.set(key, upper);
    }
    return upper!;
  }

  private defaults(): Map<string, string> {
    return new Map(Object.entries(this.parameters).filter(([, s]) => s.default !== undefined).map(([n, s]) => [n, `${JSON.stringify(n)}:${canonicalJson(s.default)}`]));
  }
}

const LEVEL_LIST: Level[] = ['fleet', 'merchant', 'site', 'group', 'terminal'];
