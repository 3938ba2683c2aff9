import { describe, expect, it } from 'vitest';
import { parseInvalidation } from './invalidations.ts';

describe('the notices other nodes send', () => {
  it('names what to forget, as the triggers of migration 0020 write it', () => {
    expect(parseInvalidation('terminal:5f0c')).toEqual({ kind: 'terminal', terminalId: '5f0c' });
    expect(parseInvalidation('model:m-1')).toEqual({ kind: 'model', modelId: 'm-1' });
    expect(parseInvalidation('access')).toEqual({ kind: 'access' });
  });

  it('ignores a notice it does not know (sent by a newer PosFleet during an upgrade)', () => {
    for (const payload of [undefined, '', 'terminal:', 'model:', 'sites:1', 'all']) expect(parseInvalidation(payload)).toBeUndefined();
  });
});
