// A sentence kept as data: a catalogue key with its parameters, stored beside the English text it was
// said in, and said again in each reader's language when read (a campaign's halt, why an install was
// skipped). A parameter may itself be a list of such sentences (the figures that halted a wave), said
// first in the same language and joined.
import { formatMessage, type CatalogueLocale, type MessageKey } from './format.ts';

export type SaidParams = Record<string, string | number | Said[]>;

export interface Said {
  key: MessageKey;
  params: SaidParams;
}

/** How a list of sentences inside a sentence is joined, per language. */
const JOIN: Record<CatalogueLocale, string> = { en: '; ', 'zh-CN': '；' };

export const said = (key: MessageKey, params: SaidParams = {}): Said => ({ key, params });

/** A sentence as it comes over the wire or out of storage: any key, its parameters not checked yet. */
export interface SaidLike {
  key: string;
  params?: Record<string, unknown> | null | undefined;
}

/** The sentence in `locale`, or null when the catalogue lacks its key (a newer server's, say). */
export function say(locale: CatalogueLocale, sentence: SaidLike): string | null {
  const flat: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(sentence.params ?? {})) {
    flat[name] = Array.isArray(value) ? value.map((part: SaidLike) => say(locale, part) ?? '').join(JOIN[locale])
      : typeof value === 'number' ? value : String(value);
  }
  return formatMessage(locale, sentence.key, flat);
}

/** The sentence in English: what is stored as the text beside it, and what logs and scripts read. */
export const english = (sentence: Said): string => say('en', sentence) ?? sentence.key;
