import { describe, expect, it } from 'vitest';
import { EffectiveCache } from './effective-cache.ts';
import { diff, effective, maskChange, SchemaChecker, schemaProblem, type ParameterSchema } from './parameters.ts';
import { configurationHashOf } from '../sdk/configuration.ts';
import { hashParts } from './hash-parts.ts';
import { formatMessage } from '../shared/messages/format.ts';
import { configurationHash } from './hash.ts';

const schema: ParameterSchema = {
  tid: { type: 'string', pattern: '^[0-9]{8}$', levels: ['terminal'], unique: { per: 'acquirer', among: 'terminal' } },
  acquirer: { type: 'string', default: 'unionpay' },
  footer: { type: 'string', maxLength: 40, default: '谢谢惠顾', applies: 'live' },
  tips: { type: 'boolean', default: false },
  language: { type: 'enum', enum: ['zh-CN', 'en'], default: 'zh-CN' },
  capk: { type: 'table', columns: { rid: { type: 'string', pattern: '^[0-9A-F]{10}$', required: true }, index: { type: 'integer', required: true } } },
  key: { type: 'string', secret: true, applies: 'maintenance' },
};

describe('parameter schemas', () => {
  it('accept the subset and refuse a default that does not fit', () => {
    expect(schemaProblem(schema)).toBeNull();
    expect(schemaProblem({ tips: { type: 'boolean', default: 'yes' } })).toMatchObject({ field: 'parameters.tips.default', key: 'configuration.value_invalid', params: { where: 'default', parameter: 'tips', rule: 'type', expected: 'boolean' } });
    expect(schemaProblem({ tid: { type: 'string', unique: { per: 'nope', among: 'terminal' } } })).toMatchObject({ field: 'parameters.tid.unique.per', key: 'configuration.schema_unique_per', params: { per: 'nope' } });
  });

  it('check values and name what is wrong', () => {
    const checker = new SchemaChecker(schema);
    expect(checker.problem('tid', '1234')).toBe('must match pattern "^[0-9]{8}$"');
    expect(checker.problem('language', 'fr')).toBe('must be one of "zh-CN", "en"');
    expect(checker.problem('capk', [{ rid: 'A000000333', index: 'x' }])).toBe('0.index must be integer');
    expect(checker.problem('capk', [{ rid: 'A000000333', index: 3 }])).toBeNull();
  });

  it('say what is wrong as data, so each reader gets it in their language', () => {
    const checker = new SchemaChecker(schema);
    expect(checker.violation('tid', '1234')).toMatchObject({ rule: 'pattern', pattern: '^[0-9]{8}$', item: 0 });
    expect(checker.violation('language', 'fr')).toMatchObject({ rule: 'enum', allowed: '"zh-CN", "en"' });
    expect(checker.violation('footer', 'x'.repeat(41))).toMatchObject({ rule: 'maxLength', limit: 40 });
    expect(checker.violation('capk', [{ rid: 'A000000333', index: 3 }, { rid: 'A000000333', index: 'x' }])).toMatchObject({ rule: 'type', expected: 'integer', item: 2, column: 'index' });
    expect(checker.violation('capk', [{ index: 3 }])).toMatchObject({ rule: 'required', item: 1, column: 'rid' });
    expect(checker.violation('colour', 'red')).toMatchObject({ rule: 'unknown' });
    expect(checker.violation('tid', null)).toBeNull();
    const said = (locale: 'en' | 'zh-CN') => formatMessage(locale, 'configuration.value_invalid', { ...checker.violation('capk', [{ rid: 'A000000333', index: 'x' }])!, where: 'level', parameter: 'capk', level: 'site', line: 0 });
    expect(said('en')).toBe('capk at site level: row 1, index: must be a whole number.');
    expect(said('zh-CN')).toBe('门店层级的 capk：第 1 行的 index：必须是整数。');
  });
});

describe('effective configuration', () => {
  it('lets each level override the one above and says where each value came from', () => {
    const result = effective(schema, [
      { level: 'fleet', scopeId: '', values: { footer: 'Thank you' } },
      { level: 'site', scopeId: 's1', values: { footer: '欢迎再来', tips: true } },
      { level: 'terminal', scopeId: 't1', values: { tid: '12345678' } },
    ]);
    expect(result.values).toEqual({ acquirer: 'unionpay', footer: '欢迎再来', tips: true, language: 'zh-CN', tid: '12345678' });
    expect(result.sources.footer).toEqual({ level: 'site', scopeId: 's1' });
    expect(result.sources.language).toEqual({ level: 'default', scopeId: '' });
  });

  it('keeps the same hash in the cache as the SDK computes from the values', () => {
    const cache = new EffectiveCache();
    cache.load({
      parameters: schema, groups: [{ id: 'g1', filter: { tag: 'backup' } }],
      values: [{ level: 'fleet', scopeId: '', values: { footer: 'A' } }, { level: 'group', scopeId: 'g1', values: { tips: true } }, { level: 'terminal', scopeId: 't2', values: { tid: '00000002' } }],
      placements: new Map([['t1', { merchantId: 'm', siteId: 's', modelId: 'x', tags: [] }], ['t2', { merchantId: 'm', siteId: 's', modelId: 'x', tags: ['backup'] }]]),
    });
    for (const id of ['t1', 't2']) expect(cache.hashOf(id)).toBe(configurationHash(cache.effectiveOf(id).values, cache.schema));
    const before = cache.hashOf('t2');
    cache.setLevel('fleet', '', { footer: 'B' });
    expect(cache.hashOf('t2')).not.toBe(before);
    expect(cache.hashOf('t2')).toBe(configurationHash(cache.effectiveOf('t2').values, cache.schema));
    expect(cache.effectiveOf('t2').values).toMatchObject({ footer: 'B', tips: true, tid: '00000002' });
  });

  it("composes the hash of the site's shared part and the terminal's own, as the SDK computes it", async () => {
    const cache = new EffectiveCache();
    const placement = { merchantId: 'm', siteId: 's', modelId: 'x', tags: [] };
    cache.load({
      parameters: schema, groups: [],
      values: [{ level: 'site', scopeId: 's', values: { footer: 'S' } }, { level: 'terminal', scopeId: 't1', values: { tid: '00000001' } },
        { level: 'terminal', scopeId: 't2', values: { tid: '00000002' } }, { level: 'terminal', scopeId: 't3', values: { tid: '00000003', footer: 'own footer' } }],
      placements: new Map([['t1', placement], ['t2', placement], ['t3', placement], ['t4', placement]]),
    });
    for (const id of ['t1', 't2', 't3', 't4']) {
      const values = cache.effectiveOf(id).values;
      expect(cache.hashOf(id)).toBe(configurationHash(values, schema));
      expect(await configurationHashOf(values, schema)).toBe(cache.hashOf(id));
    }
    // Same shared part, another own part: another hash; a terminal overriding a shared value differs too.
    expect(new Set(['t1', 't2', 't3', 't4'].map((id) => cache.hashOf(id))).size).toBe(4);
    // The parts are what the schema says: TID is the terminal's own, the rest shared.
    expect(hashParts({ tid: '00000001', footer: 'S' }, schema)).toEqual({ shared: '{"footer":"S"}', own: '{"tid":"00000001"}' });
  });

  it('diffs a change with secrets masked', () => {
    const changes = diff({ key: 'old-secret', footer: 'A' }, { key: 'new-secret', footer: 'A' });
    expect(changes.map((c) => maskChange(c, schema))).toEqual([{ parameter: 'key', old: '******', new: '******' }]);
  });
});
