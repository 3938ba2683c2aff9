import { describe, expect, it } from 'vitest';
import { toUtcInstant, withUtcInstants } from './instants.ts';

describe('instants in requests', () => {
  it('turns any offset into UTC text with milliseconds', () => {
    expect(toUtcInstant('2026-03-01T08:00:00+08:00')).toEqual({ utc: '2026-03-01T00:00:00.000Z' });
    expect(toUtcInstant('2026-03-01T02:30:00-0530')).toEqual({ utc: '2026-03-01T08:00:00.000Z' });
    expect(toUtcInstant('2026-03-01T05:00:00+05')).toEqual({ utc: '2026-03-01T00:00:00.000Z' });
    expect(toUtcInstant('2026-03-01t00:00:00.5z')).toEqual({ utc: '2026-03-01T00:00:00.500Z' });
    expect(toUtcInstant('2026-03-01 00:00:00.123456Z')).toEqual({ utc: '2026-03-01T00:00:00.123Z' });
    // Across a day, a month and a year.
    expect(toUtcInstant('2026-01-01T07:59:59.999+08:00')).toEqual({ utc: '2025-12-31T23:59:59.999Z' });
    expect(toUtcInstant('2024-02-29T23:00:00-02:00')).toEqual({ utc: '2024-03-01T01:00:00.000Z' });
    expect(toUtcInstant('0099-06-01T00:00:00Z')).toEqual({ utc: '0099-06-01T00:00:00.000Z' });
    expect(toUtcInstant('2016-12-31T23:59:60Z')).toEqual({ utc: '2017-01-01T00:00:00.000Z' });
    expect(toUtcInstant('2016-12-31T23:59:60.000Z')).toEqual({ utc: '2017-01-01T00:00:00.000Z' });
  });

  it('takes UTC text with milliseconds as it is, and checks its fields all the same', () => {
    for (const utc of ['2026-03-01T08:00:00.000Z', '2024-02-29T23:59:59.999Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      expect(toUtcInstant(utc)).toEqual({ utc });
    }
    for (const text of ['2026-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-00-10T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-03-00T00:00:00.000Z',
      '2026-03-01T24:00:00.000Z', '2026-03-01T23:60:00.000Z', '1900-02-29T00:00:00.000Z']) {
      expect(toUtcInstant(text), text).toHaveProperty('problem', expect.stringContaining('must be a date-time with Z or an offset'));
    }
  });

  it('refuses what is not an instant', () => {
    for (const text of ['2026-03-01T08:00:00', '2026-03-01', '2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-03-01T24:00:00Z',
      '2026-03-01T08:00Z', '2026-03-01T08:00:00+24:00', '2026-03-01T08:00:00 08:00', 'yesterday', '', ' 2026-03-01T00:00:00Z']) {
      expect(toUtcInstant(text), text).toHaveProperty('problem', expect.stringContaining('must be a date-time with Z or an offset'));
    }
    expect(toUtcInstant('9999-12-31T23:00:00-05:00')).toEqual({ problem: 'must fall between the years 0000 and 9999 in UTC', kind: 'range' });
  });

  it('applies to every date-time of a schema and leaves the schema itself alone', () => {
    const schema = { type: 'object', properties: { format: { type: 'string', enum: ['csv'] }, at: { type: 'string', format: 'date-time' }, list: { type: 'array', items: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] } } } };
    const original = structuredClone(schema);
    expect(withUtcInstants(schema)).toEqual({
      type: 'object',
      properties: { format: { type: 'string', enum: ['csv'] }, at: { type: 'string', utcInstant: true }, list: { type: 'array', items: { anyOf: [{ type: 'string', utcInstant: true }, { type: 'null' }] } } },
    });
    expect(schema).toEqual(original);
  });
});
