import { describe, expect, it } from 'vitest';
import { clearOfBatchClose } from './batch-close.ts';

const at = (iso: string) => new Date(iso);
// 22:00–02:00 in Shanghai (UTC+8): 14:00–18:00 UTC.
const night = { start: at('2026-12-01T14:00:00.000Z'), end: at('2026-12-01T18:00:00.000Z') };

describe('keeping planned work clear of the batch close', () => {
  it('leaves a window without a batch close as it is', () => {
    expect(clearOfBatchClose(night, night.start, 60, undefined, 'Asia/Shanghai')).toEqual(night);
  });

  it('puts work after a 23:00 batch close when it does not fit before it', () => {
    // 22:00–22:30 is free before the guard, too short for an hour: the work goes from 23:30 on.
    expect(clearOfBatchClose(night, night.start, 60, '23:00', 'Asia/Shanghai')).toEqual({ start: at('2026-12-01T15:30:00.000Z'), end: night.end });
  });

  it('uses the stretch before the batch close when the work fits there', () => {
    expect(clearOfBatchClose(night, night.start, 20, '23:00', 'Asia/Shanghai')).toEqual({ start: night.start, end: at('2026-12-01T14:30:00.000Z') });
  });

  it('finds no room when the batch close cuts the window into pieces too short', () => {
    const short = { start: at('2026-12-01T14:30:00.000Z'), end: at('2026-12-01T16:00:00.000Z') }; // 22:30–00:00
    expect(clearOfBatchClose(short, short.start, 60, '23:00', 'Asia/Shanghai')).toBeNull();
  });
});
