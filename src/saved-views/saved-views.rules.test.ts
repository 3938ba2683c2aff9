import { describe, expect, it } from 'vitest';
import { normaliseQuery } from './saved-views.rules.ts';

describe('a saved view keeps only the page\'s filters', () => {
  it('keeps the filter keys with a value, in the page\'s order, without a leading "?"', () => {
    expect(normaliseQuery('terminals', '?online=true&fault=printer_jam&q=')).toEqual({ query: 'online=true&fault=printer_jam' });
    expect(normaliseQuery('terminals', 'mode=offline&siteId=s1')).toEqual({ query: 'siteId=s1&mode=offline' });
  });
  it('refuses a key the page does not filter by, naming it', () => {
    expect(normaliseQuery('terminals', 'fault=printer_jam&limit=1000')).toEqual({ problem: { key: 'limit', reason: 'unknown_key' } });
    expect(normaliseQuery('incidents', 'fault=printer_jam')).toEqual({ problem: { key: 'fault', reason: 'unknown_key' } });
  });
  it('refuses a view without any filter', () => {
    expect(normaliseQuery('incidents', '')).toEqual({ problem: { key: 'query', reason: 'empty' } });
    expect(normaliseQuery('terminals', 'q=%20')).toEqual({ problem: { key: 'query', reason: 'empty' } });
  });
});
