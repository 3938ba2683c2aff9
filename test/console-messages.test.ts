// The dashboard's own messages (web/src/messages, and the rest still in web/src/i18n.tsx) are ICU patterns
// rendered by the catalogue's formatter (src/shared/messages/format.ts): each parses in both languages, and
// counted nouns agree with their count in English — "1 terminal", "2 terminals", never "terminal(s)".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argumentsOf, formatMessage, formatPattern } from '../src/shared/messages/format.ts';
import * as approvals from '../web/src/messages/approvals.ts';
import * as baselines from '../web/src/messages/baselines.ts';
import * as configurationCampaigns from '../web/src/messages/configuration-campaigns.ts';
import * as configuration from '../web/src/messages/configuration.ts';
import * as consoleMessages from '../web/src/messages/console.ts';
import * as maintenance from '../web/src/messages/maintenance.ts';
import * as merchant from '../web/src/messages/merchant.ts';
import * as packages from '../web/src/messages/packages.ts';
import * as preventive from '../web/src/messages/preventive.ts';
import * as security from '../web/src/messages/security.ts';
import * as settings from '../web/src/messages/settings.ts';
import * as terminalData from '../web/src/messages/terminal-data.ts';
import * as terminalSecurity from '../web/src/messages/terminal-security.ts';
import * as terminals from '../web/src/messages/terminals.ts';
import * as tables from '../web/src/messages/tables.ts';
import * as workOrders from '../web/src/messages/work-orders.ts';

const modules = [approvals, baselines, configurationCampaigns, configuration, consoleMessages, maintenance, merchant, packages, preventive, security, settings, terminalData, terminalSecurity, terminals, tables, workOrders];
const catalogues = modules.flatMap((m) => Object.entries(m as Record<string, Record<string, string>>));

/** The English messages still kept in i18n.tsx, read from its source (it is a React module the server's tests do not load). */
function i18nEnglish(): Record<string, string> {
  const source = readFileSync(join(import.meta.dirname, '..', 'web', 'src', 'i18n.tsx'), 'utf8');
  const block = source.slice(source.indexOf('const en = {'), source.indexOf('export type MessageKey'));
  return Object.fromEntries([...block.matchAll(/^ {2}(\w+): '((?:[^'\\]|\\.)*)',$/gm)].map((m) => [m[1]!, m[2]!.replace(/\\'/g, "'")]));
}

describe('the dashboard\'s messages', () => {
  it('each renders in its language with every parameter given, leaving no brace', () => {
    const broken: string[] = [];
    for (const [name, messages] of [...catalogues, ['i18n.tsx en', i18nEnglish()] as const]) {
      const locale = name.endsWith('Zh') ? 'zh-CN' : 'en';
      for (const [key, pattern] of Object.entries(messages)) {
        try {
          const params = Object.fromEntries([...argumentsOf(pattern)].map((a) => [a, 3]));
          if (/[{}]/.test(formatPattern(pattern, params, locale))) broken.push(`${name}.${key}`);
        } catch {
          broken.push(`${name}.${key}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('says counted nouns in the singular for one and the plural otherwise, in English', () => {
    const english = [...catalogues.filter(([name]) => name.endsWith('En')).map(([, m]) => m), i18nEnglish()];
    const withS = english.flatMap((m) => Object.entries(m)).filter(([, pattern]) => /\(s\)/.test(pattern)).map(([key]) => key);
    expect(withS).toEqual([]);
    const i18n = i18nEnglish();
    expect(formatPattern(i18n.waveTerminals!, { count: 1 }, 'en')).toBe('1 terminal');
    expect(formatPattern(i18n.waveTerminals!, { count: 1200 }, 'en')).toBe('1,200 terminals');
    expect(formatPattern(maintenance.maintenanceEn.mStartN, { n: 1 }, 'en')).toBe('Start maintenance on 1 terminal');
    expect(formatPattern(maintenance.maintenanceEn.mStartN, { n: 3 }, 'en')).toBe('Start maintenance on 3 terminals');
    expect(formatPattern(consoleMessages.consoleEn.woTodayCount, { count: 1 }, 'en')).toBe('1 work order due today or overdue');
    expect(formatPattern(consoleMessages.consoleEn.woTodayCount, { count: 0 }, 'en')).toBe('0 work orders due today or overdue');
    expect(formatPattern(consoleMessages.consoleZh.woTodayCount, { count: 1 }, 'zh-CN')).toBe('今天到期及已逾期：1 张工单');
  });

  it('renders ICU plurals with each language\'s plural rules (intl-messageformat), the server\'s catalogue too', () => {
    const terminals = '{count, plural, one {# terminal} other {# terminals}}';
    expect(formatPattern(terminals, { count: 1 }, 'en')).toBe('1 terminal');
    expect(formatPattern(terminals, { count: 2 }, 'en')).toBe('2 terminals');
    // Chinese has one plural form ("other"): the count and its measure word, whatever the count.
    const zh = '{count, plural, one {# 台终端（单数）} other {# 台终端}}';
    expect(formatPattern(zh, { count: 1 }, 'zh-CN')).toBe('1 台终端');
    expect(formatPattern(zh, { count: 2 }, 'zh-CN')).toBe('2 台终端');
    expect(formatPattern(terminals, { count: 1 }, 'en')).toBe('1 terminal'); // the cached compiled message again
    expect(formatMessage('en', 'view.too_many', { max: 1 })).toBe('You have 1 saved view on this list: remove one first.');
    expect(formatMessage('en', 'view.too_many', { max: 20 })).toBe('You have 20 saved views on this list: remove one first.');
    expect(formatMessage('zh-CN', 'view.too_many', { max: 1 })).toBe('此列表已保存 1 个常用筛选，请先删除一个。');
    expect(formatPattern(i18nEnglish().windowsSkipped!, { count: 1 }, 'en')).toBe('1 more window applies but is not drawn: choose a merchant or a site.');
    expect(formatPattern(i18nEnglish().windowsSkipped!, { count: 4 }, 'en')).toBe('4 more windows apply but are not drawn: choose a merchant or a site.');
    // Existing {name} placeholders keep working, and a "<" is text, not a tag.
    expect(formatPattern('Hello {name} <3', { name: 'Olga' }, 'en')).toBe('Hello Olga <3');
  });

  it('shows a parameter left out as the caller says (the dashboard: nothing)', () => {
    expect(formatPattern('Hello {name}', {}, 'en')).toBe('Hello {name}');
    expect(formatPattern('Hello {name}', {}, 'en', () => '')).toBe('Hello ');
  });
});
