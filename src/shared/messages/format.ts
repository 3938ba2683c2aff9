// The message catalogue's formatter: one JSON file per language (en.json, zh-CN.json) of ICU messages, read by
// the server (errors in the caller's language) and the dashboard alike (its own messages in web/src/messages
// go through formatPattern too). intl-messageformat (FormatJS) parses and formats them, so a message may use
// every ICU form — {arg}, {n, plural, one {# terminal} other {# terminals}}, {x, select, a {…} other {…}},
// {n, number} — with the CLDR plural rules of each language. A compiled message is kept per locale and
// pattern: the catalogue and the dashboard's messages are finite, so the cache is too (bounded anyway).
import { IntlMessageFormat } from 'intl-messageformat';
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
 * Any ICU pattern with its parameters, in `locale`: the dashboard renders its own messages (web/src/messages)
 * with it, so counted nouns say "1 terminal" and "2 terminals". A parameter the caller left out is shown
 * as `missing(name)` (by default `{name}`, so the gap is seen) instead of throwing as intl-messageformat would.
 */
export function formatPattern(pattern: string, params: MessageParams, locale: CatalogueLocale, missing: (name: string) => string = (name) => `{${name}}`): string {
  const compiled = compile(pattern, locale);
  let values = params;
  for (const name of compiled.args) {
    if (values[name] === undefined) values = { ...values, [name]: missing(name) };
  }
  return String(compiled.format.format(values));
}

/** The parameters a message names (in every branch of its plurals and selections). */
export function argumentsOf(pattern: string): Set<string> {
  return new Set(compile(pattern, 'en').args);
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

type Element = ReturnType<IntlMessageFormat['getAst']>[number];
interface Compiled { format: IntlMessageFormat; args: string[] }

/** Enough for every message of both catalogues and the dashboard several times over. */
const CACHE_LIMIT = 5_000;
const cache = new Map<string, Compiled>();

function compile(pattern: string, locale: CatalogueLocale): Compiled {
  const key = `${locale}\u0000${pattern}`;
  let compiled = cache.get(key);
  if (!compiled) {
    // ignoreTag: a "<" in a message is text, not the start of a rich-text tag.
    const format = new IntlMessageFormat(pattern, locale, undefined, { ignoreTag: true });
    const args = new Set<string>();
    collect(format.getAst(), args);
    compiled = { format, args: [...args] };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, compiled);
  }
  return compiled;
}

/** The argument names of a parsed message, through plural and select branches and tags. */
function collect(elements: Element[], into: Set<string>): void {
  for (const el of elements) {
    if ('options' in el) {
      into.add(el.value);
      for (const option of Object.values(el.options)) collect(option.value, into);
    } else if ('children' in el) {
      collect(el.children, into);
    } else if (el.type !== 0 && el.type !== 7) {
      // Not a literal (0) nor a plural's "#" (7): an argument, number, date or time — all named by `value`.
      into.add(el.value);
    }
  }
}
