import { describe, expect, it } from 'vitest';
import { EventBus } from './events.ts';

type Events = { 'job.ended': { id: string }; 'guide.escalated': { runId: string } };

describe('the event bus between capabilities', () => {
  it('tells every listener of an event, in the order they listened, and resolves once all of them finished', async () => {
    const bus = new EventBus<Events>();
    const heard: string[] = [];
    bus.on('job.ended', async ({ id }) => { await Promise.resolve(); heard.push(`notices ${id}`); });
    bus.on('job.ended', ({ id }) => { heard.push(`work orders ${id}`); });
    bus.on('guide.escalated', ({ runId }) => { heard.push(`escalated ${runId}`); });
    await bus.emit('job.ended', { id: 'j1' });
    expect(heard).toEqual(['notices j1', 'work orders j1']);
  });

  it('keeps a second listener beside the first (a setter would have replaced it), and lets one stop listening', async () => {
    const bus = new EventBus<Events>();
    const heard: string[] = [];
    const stop = bus.on('job.ended', () => { heard.push('first'); });
    bus.on('job.ended', () => { heard.push('second'); });
    stop();
    await bus.emit('job.ended', { id: 'j2' });
    expect(heard).toEqual(['second']);
  });

  it('fails the emit when a listener fails, as a direct call would', async () => {
    const bus = new EventBus<Events>();
    bus.on('job.ended', () => { throw new Error('channel down'); });
    await expect(bus.emit('job.ended', { id: 'j3' })).rejects.toThrow('channel down');
    await expect(bus.emit('guide.escalated', { runId: 'r1' })).resolves.toBeUndefined();
  });
});
