import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventThrottle, type TrainEvent } from '../../src/engine/train/events.js';

const progress = (step: number) => ({ type: 'progress', phase: 'training', epoch: 0, epochs: 1, step, totalSteps: 100, elapsedSeconds: 0 }) as unknown as TrainEvent;

test('progress events go out at most once per interval, and the latest one always arrives (fake clock)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const delivered: { at: number; step: number }[] = [];
  const other: TrainEvent[] = [];
  const throttle = new EventThrottle((e) => (e.type === 'progress' ? delivered.push({ at: Date.now(), step: (e as { step: number }).step }) : other.push(e)), 250, () => Date.now());
  for (let step = 0; step <= 100; step++) {
    throttle.emit(progress(step));
    if (step === 50) throttle.emit({ type: 'message', level: 'info', message: 'passes straight through' });
    t.mock.timers.tick(10);
  }
  t.mock.timers.tick(1000);
  await throttle.flush();
  for (let i = 1; i < delivered.length; i++) assert.ok(delivered[i]!.at - delivered[i - 1]!.at >= 250, `two events ${delivered[i]!.at - delivered[i - 1]!.at} ms apart`);
  // 1 s of steps plus the held-back final event: at most one per 250 ms window.
  assert.ok(delivered.length >= 4 && delivered.length <= 6, `${delivered.length} events over 1 s`);
  assert.equal(delivered.at(-1)!.step, 100, 'the final state is delivered');
  assert.equal(other.length, 1);
});

test("a phase's last progress event is never dropped when the next phase starts within the interval (fake clock)", async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const delivered: { phase: string; done?: number; step: number }[] = [];
  const throttle = new EventThrottle((e) => e.type === 'progress' && delivered.push({ phase: e.phase, done: e.done, step: e.step }), 250, () => Date.now());
  // Adaptation: 20 steps 5 ms apart (100 ms), then training starts at once.
  for (let done = 1; done <= 20; done++) {
    throttle.emit({ ...(progress(0) as object), phase: 'adapting', done, total: 20 } as TrainEvent);
    t.mock.timers.tick(5);
  }
  for (let step = 1; step <= 3; step++) throttle.emit(progress(step));
  t.mock.timers.tick(1000);
  await throttle.flush();
  const adapting = delivered.filter((d) => d.phase === 'adapting');
  assert.equal(adapting.at(-1)?.done, 20, `adaptation's final step is delivered: ${JSON.stringify(delivered)}`);
  assert.equal(delivered.at(-1)?.step, 3, 'and the latest training event after it');
  assert.ok(delivered.length <= 4, `still throttled: ${delivered.length} events`);
});
