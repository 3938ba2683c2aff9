import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES } from './default-templates.ts';
import { remoteResults, remoteWork, runStateOf } from './remote-results.ts';

const tasksOf = (code: string) => DEFAULT_TEMPLATES.find((t) => t.code === code)!.tasks;
const passing = [{ name: 'card reader', passed: true }, { name: 'PIN pad', passed: true }];

describe('remote preventive tasks', () => {
  it("turns the seed's remote checklists into maintenance work", () => {
    expect(remoteWork([tasksOf('weekly')])).toEqual(['update', 'data_sync']);
    expect(remoteWork([tasksOf('monthly')])).toEqual(['security_hardening']);
    expect(remoteWork([tasksOf('weekly'), tasksOf('monthly')])).toEqual(['update', 'data_sync', 'security_hardening']);
  });

  it('asks for the least intrusive work when a remote task only self-tests', () => {
    const selfTestOnly = [{ code: 'st', name: { 'zh-CN': '自检', en: 'Self-test' }, performer: 'remote' as const, skill: null, checklist: [{ code: 'self-test', text: { 'zh-CN': '自检', en: 'Self-test' }, required: true }] }];
    expect(remoteWork([selfTestOnly])).toEqual(['data_sync']);
  });

  it('passes every remote item of a completed job, the self-test item with the tests the terminal ran', () => {
    const results = remoteResults(tasksOf('monthly'), { state: 'completed', selfTests: passing, failure: null });
    expect(results.map((r) => [r.itemCode, r.result])).toEqual([['self-test', 'pass'], ['security-check', 'pass']]);
    expect(results[0]!.note).toBe('2 self-test(s) passed: card reader, PIN pad');
  });

  it('fails the items of a job that failed its self-tests, naming the failing test and what the terminal found', () => {
    const selfTests = [{ name: 'card reader', passed: true }, { name: 'PIN pad', passed: false, detail: 'PIN pad key check failed' }];
    const results = remoteResults(tasksOf('weekly'), { state: 'rolled_back', selfTests, failure: 'self-tests failed: PIN pad' });
    expect(results).toEqual([
      expect.objectContaining({ itemCode: 'software-update-check', result: 'fail', note: 'self-tests failed: PIN pad' }),
      expect.objectContaining({ itemCode: 'data-backup', result: 'fail', note: 'self-tests failed: PIN pad' }),
    ]);
    const monthly = remoteResults(tasksOf('monthly'), { state: 'failed', selfTests, failure: 'self-tests failed: PIN pad' });
    expect(monthly[0]).toMatchObject({ itemCode: 'self-test', result: 'fail', note: 'self-tests failed: PIN pad (PIN pad key check failed)' });
  });

  it('knows when a run has ended and how', () => {
    expect(['scheduled', 'draining', 'verifying'].map((s) => runStateOf(s as never))).toEqual([null, null, null]);
    expect(runStateOf('completed')).toBe('completed');
    expect(runStateOf('rolled_back')).toBe('failed');
    expect(runStateOf('aborted')).toBe('aborted');
  });
});
