// Every terminal's effective configuration hash, held in memory so the heartbeat answer costs no query.
// Filled from the database at start (and refreshed by the configuration tick); a change recomputes only
// the terminals under the level it touched. Terminals sharing a site and groups share the merged values
// of the levels above them and their hash, computed once; a terminal's own values (TID, MID) cost a
// small hash of their own (the hash composes both: hash-parts.ts).
import { combinedText, ownParameters } from './hash-parts.ts';
import { configurationHash, sha256Hex } from './hash.ts';
import { canonicalJson, effective, type Layer, type Level, type ParameterSchema, type Values } from './parameters.ts';

export interface Placement { readonly merchantId: string | null; readonly siteId: string | null; readonly modelId: string; readonly tags: readonly string[] }
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
  /** Names of the parameters with a value, sorted (the canonical order), and each one's position. */
  names: string[];
  index: Map<string, number>;
  /** `"name":value` of each, in the order of `names`. */
  fragments: string[];
  /** SHA-256 of the canonical JSON of its shared part (all but the terminal's own parameters). */
  sharedSha256: string;
  /** The hash of a terminal with no value of its own. */
  hash: string;
}

export class EffectiveCache {
  private parameters: ParameterSchema = {};
  private own = new Set<string>();
  private readonly values = new Map<Level, Map<string, Values>>(LEVEL_LIST.map((l) => [l, new Map()]));
  private groups: Group[] = [];
  private readonly placements = new Map<string, Placement>();
  private readonly hashes = new Map<string, string>();
  private uppers = new Map<string, Upper>();
  /** The upper of each (merchant, site, groups) a terminal has: one lookup per terminal. */
  private upperOf = new Map<string, Upper>();
  /** The own parameters, sorted, the `"name":` that starts each one's fragment, and its default fragment (undefined: none). */
  private ownSorted: { name: string; prefix: string; fallback: (u: Upper) => string | undefined }[] = [];
  /** Terminals running a change ahead of their level (its campaign goes on): computed one by one. */
  private readonly held = new Map<string, HeldChange>();
  /**
   * One frozen placement per (model, site, merchant) without tags, shared by the terminals there: a row
   * read from the database brings strings of its own for each id, ~170 MB of the same few thousand
   * values at a million terminals, and an object each. Small: a few per site.
   */
  private shared = new Map<string, Map<string, Map<string, Placement>>>();
  /** One string per id (sites, merchants, models, tags) for the placements that cannot be shared (tagged terminals). */
  private strings = new Map<string, string>();

  /** Replaces everything (at start and on refresh; the placements only when given), then recomputes every hash. */
  load(state: {
    parameters: ParameterSchema; values: { level: Level; scopeId: string; values: Values }[]; groups: Group[]; placements?: Map<string, Placement>;
    held?: Map<string, HeldChange>;
  }): void {
    this.held.clear();
    for (const [id, h] of state.held ?? []) this.held.set(id, h);
    this.parameters = state.parameters;
    this.setOwn(state.parameters);
    for (const m of this.values.values()) m.clear();
    for (const v of state.values) this.values.get(v.level)!.set(v.scopeId, v.values);
    this.groups = state.groups;
    if (state.placements) {
      this.placements.clear();
      this.shared = new Map();
      this.strings = new Map();
      for (const [id, p] of state.placements) this.placements.set(id, this.share(p));
    }
    this.recomputeAll();
  }

  get schema(): ParameterSchema {
    return this.parameters;
  }

  setSchema(parameters: ParameterSchema): void {
    this.parameters = parameters;
    this.setOwn(parameters);
    this.recomputeAll();
  }

  private setOwn(parameters: ParameterSchema): void {
    this.own = ownParameters(parameters);
    this.ownSorted = [...this.own].sort().map((name) => ({ name, prefix: `${JSON.stringify(name)}:`, fallback: (u: Upper) => { const at = u.index.get(name); return at === undefined ? undefined : u.fragments[at]; } }));
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
    this.upperOf = new Map();
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

  /** The terminals holding a change, whichever. */
  heldIds(): string[] {
    return [...this.held.keys()];
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

  /** The placement kept for these values: the one shared by every terminal with the same (frozen: never changed in place). */
  share(p: Placement): Placement {
    if (p.tags.length) {
      const string = (s: string) => {
        const found = this.strings.get(s);
        if (found !== undefined) return found;
        this.strings.set(s, s);
        return s;
      };
      return Object.freeze({ merchantId: p.merchantId === null ? null : string(p.merchantId), siteId: p.siteId === null ? null : string(p.siteId), modelId: string(p.modelId), tags: Object.freeze(p.tags.map(string)) });
    }
    let bySite = this.shared.get(p.modelId);
    if (!bySite) this.shared.set(p.modelId, (bySite = new Map()));
    // '\u0000' stands for no site or merchant: never an id.
    let byMerchant = bySite.get(p.siteId ?? '\u0000');
    if (!byMerchant) bySite.set(p.siteId ?? '\u0000', (byMerchant = new Map()));
    let found = byMerchant.get(p.merchantId ?? '\u0000');
    if (!found) byMerchant.set(p.merchantId ?? '\u0000', (found = Object.freeze({ merchantId: p.merchantId, siteId: p.siteId, modelId: p.modelId, tags: NO_TAGS })));
    return found;
  }

  setPlacement(terminalId: string, placement: Placement | undefined): void {
    if (placement) {
      this.placements.set(terminalId, this.share(placement));
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
    this.upperOf = new Map();
    for (const id of this.placements.keys()) this.recompute(id);
  }

  private recompute(terminalId: string): void {
    if (this.held.has(terminalId)) {
      this.hashes.set(terminalId, configurationHash(this.effectiveOf(terminalId).values, this.parameters));
      return;
    }
    const p = this.placements.get(terminalId)!;
    // Built without arrays: this runs once per terminal (a million after a fleet-level change).
    let key = `${p.merchantId ?? ''}|${p.siteId ?? ''}|`;
    for (const g of this.groups) if (inGroup(p, g.filter)) key += `${g.id},`;
    let upper = this.upperOf.get(key);
    if (!upper) {
      upper = this.upper(p.merchantId, p.siteId, this.groups.filter((g) => inGroup(p, g.filter)).map((g) => g.id));
      this.upperOf.set(key, upper);
    }
    const mine = this.values.get('terminal')!.get(terminalId);
    if (!mine) {
      this.hashes.set(terminalId, upper.hash);
      return;
    }
    // A terminal-level value of a shared parameter (rare) changes the shared part: hashed in full.
    for (const n in mine) {
      if (mine[n] !== undefined && n in this.parameters && !this.own.has(n)) {
        this.hashes.set(terminalId, configurationHash(this.effectiveOf(terminalId).values, this.parameters));
        return;
      }
    }
    // The common case (TID, MID): the site's shared hash, computed once, and a small hash of its own.
    let text = '{';
    for (const { name, prefix, fallback } of this.ownSorted) {
      const v = mine[name];
      const fragment = v === undefined ? fallback(upper) : prefix + (typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v));
      if (fragment === undefined) continue;
      text += text.length > 1 ? `,${fragment}` : fragment;
    }
    this.hashes.set(terminalId, sha256Hex(combinedText(upper.sharedSha256, `${text}}`)));
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
      upper = this.step(upper, scopeId === null ? undefined : this.values.get(level)!.get(scopeId));
      this.uppers.set(key, upper);
    }
    return upper!;
  }

  /** One level on top of the merged values above it: a copy of the fragments' array with its values set. */
  private step(above: Upper | undefined, values: Values | undefined): Upper {
    const set = Object.entries(values ?? {}).filter(([n, v]) => n in this.parameters && v !== undefined);
    let { names, index, fragments } = above ?? { names: [] as string[], index: new Map<string, number>(), fragments: [] as string[] };
    if (!above || set.some(([n]) => !index.has(n))) {
      // New names (the first level, or a parameter no level above set): the order is built again.
      const all = new Map(above ? names.map((n, i) => [n, fragments[i]!]) : this.defaults());
      for (const [n, v] of set) all.set(n, `${JSON.stringify(n)}:${canonicalJson(v)}`);
      names = [...all.keys()].sort();
      index = new Map(names.map((n, i) => [n, i]));
      fragments = names.map((n) => all.get(n)!);
    } else {
      fragments = fragments.slice();
      for (const [n, v] of set) fragments[index.get(n)!] = `${JSON.stringify(n)}:${canonicalJson(v)}`;
    }
    let shared = '{';
    let own = '{';
    for (let i = 0; i < names.length; i++) {
      if (this.own.has(names[i]!)) own += own.length > 1 ? `,${fragments[i]}` : fragments[i];
      else shared += shared.length > 1 ? `,${fragments[i]}` : fragments[i];
    }
    const sharedSha256 = sha256Hex(`${shared}}`);
    return { names, index, fragments, sharedSha256, hash: sha256Hex(combinedText(sharedSha256, `${own}}`)) };
  }

  private defaults(): Map<string, string> {
    return new Map(Object.entries(this.parameters).filter(([, s]) => s.default !== undefined).map(([n, s]) => [n, `${JSON.stringify(n)}:${canonicalJson(s.default)}`]));
  }
}

const LEVEL_LIST: Level[] = ['fleet', 'merchant', 'site', 'group', 'terminal'];
const NO_TAGS: readonly string[] = Object.freeze([]);
