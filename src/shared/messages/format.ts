// The error catalogue's messages: one JSON file per language (en.json, zh-CN.json), ICU message format,
// read by the server (errors in the caller's language) and the dashboard alike. This formatter covers the
// ICU subset the catalogue uses — {arg}, {n, plural, one {…} other {# …}} and {x, select, a {…} other {…}}
// — in ~60 lines with no dependency (a library such as intl-messageformat would need installing; this
// subset is all the catalogue needs, and a test checks every message parses in both languages).
import en from './en.json' with { type: 'json' };
import zh from './zh-CN.json' with { type: 'json' };

export type CatalogueLocale = 'zh-CN' | 'en';
export const CATALOGUES: Record<CatalogueLocale, Record<string, string>> = { en, 'zh-CN': zh };
export type MessageKey = keyof typeof en;
export type MessageParams = Record<string, string | number>;

/** The message `key` in `locale` with its parameters, or null when the catalogue lacks it. */
export function formatMessage(locale: CatalogueLocale, key: string, params: MessageParams = {}): string | null {
  const pattern = CATALOGUES[locale][key];
  return pattern === undefined ? null : formatPattern(pattern, params, locale);
}

/**
 * Any ICU pattern of the catalogue's subset, with its parameters, in `locale`: the dashboard renders its own
 * messages (web/src/messages) with it, so counted nouns say "1 terminal" and "2 terminals". A parameter
 * the caller left out is shown as `missing(name)` (by default `{name}`, so the gap is seen).
 */
export function formatPattern(pattern: string, params: MessageParams, locale: CatalogueLocale, missing: (name: string) => string = (name) => `{${name}}`): string {
  return render(pattern, params, locale, undefined, missing);
}

/** Reads `Accept-Language` (q-values honoured) into a catalogue locale, or null when none is offered. */
export function localeFromHeader(header: string | undefined): CatalogueLocale | null {
  if (!header) return null;
  const ranked = header.split(',').map((part) => {
    const [tag = '', ...rest] = part.trim().split(';');
    const q = Number(rest.find((r) => r.trim().startsWith('q='))?.trim().slice(2) ?? '1');
    return { tag: tag.toLowerCase(), q: Number.isFinite(q) ? q : 0 };
  }).filter((x) => x.q > 0).sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return null;
}

/** The parameters a message names (in every branch of its plurals and selections). */
export function argumentsOf(pattern: string): Set<string> {
  const found = new Set<string>();
  let i = 0;
  while (i < pattern.length) {
    if (pattern[i] !== '{') { i++; continue; }
    const end = matching(pattern, i);
    const [name = '', kind, ...rest] = pattern.slice(i + 1, end).split(',');
    found.add(name.trim());
    if (kind !== undefined) for (const option of parseOptions(rest.join(',')).values()) for (const a of argumentsOf(option)) found.add(a);
    i = end + 1;
  }
  return found;
}

function render(pattern: string, params: MessageParams, locale: CatalogueLocale, count: number | undefined, missing: (name: string) => string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '#' && count !== undefined) { out += new Intl.NumberFormat(locale).format(count); i++; continue; }
    if (ch !== '{') { out += ch; i++; continue; }
    const end = matching(pattern, i);
    const body = pattern.slice(i + 1, end);
    i = end + 1;
    const [name = '', kind, ...restParts] = body.split(',');
    const arg = name.trim();
    if (kind === undefined) { out += params[arg] === undefined ? missing(arg) : String(params[arg]); continue; }
    const options = parseOptions(restParts.join(','));
    const value = params[arg];
    if (kind.trim() === 'plural') {
      const n = Number(value);
      const choice = options.get(`=${n}`) ?? options.get(new Intl.PluralRules(locale).select(n)) ?? options.get('other') ?? '';
      out += render(choice, params, locale, n, missing);
    } else {
      out += render(options.get(String(value)) ?? options.get('other') ?? '', params, locale, count, missing);
    }
  }
  return out;
}

function matching(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new SyntaxError(`unbalanced braces in message: ${text}`);
}

function parseOptions(text: string): Map<string, string> {
  const options = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) break;
    const selector = text.slice(i, open).trim();
    const close = matching(text, open);
    options.set(selector, text.slice(open + 1, close));
    i = close + 1;
  }
  return options;
}
