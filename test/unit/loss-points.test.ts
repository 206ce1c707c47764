import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProgressEvent } from '../../src/engine/train/events.js';
import { LossPoints, MAX_POINTS } from '../../src/trainer/loss-points.js';

const step = (i: number, totalSteps: number, loss: number): ProgressEvent => ({
  type: 'progress', phase: 'training', epoch: 0, epochs: 1, step: i, totalSteps, loss, losses: { a: loss, b: 2 * loss }, lr: 1 / i, elapsedSeconds: 0,
});

test('a long run charts about MAX_POINTS means of its steps, a short one every step', () => {
  const long = new LossPoints();
  const points = [];
  for (let i = 1; i <= 1000; i++) {
    const p = long.add(step(i, 1000, i));
    if (p) points.push(p);
  }
  assert.equal(points.length, MAX_POINTS);
  // Stretches of 5 steps: the first point is the mean loss of steps 1..5, at step 5, with its lr.
  assert.deepEqual(points[0], { type: 'trainLoss', step: 5, loss: 3, losses: { a: 3, b: 6 }, lr: 1 / 5 });
  assert.equal(long.flush(), undefined, 'nothing left over');

  const short = new LossPoints();
  assert.equal(short.add({ ...step(1, 3, 1), phase: 'evaluating' }), undefined, 'only training steps count');
  assert.deepEqual([1, 2, 3].map((i) => short.add(step(i, 3, i))?.step), [1, 2, 3]);
});

test('the end of a run flushes its partial stretch', () => {
  const p = new LossPoints();
  for (let i = 1; i <= 7; i++) p.add(step(i, 1000, 1));
  assert.deepEqual(p.flush(), { type: 'trainLoss', step: 7, loss: 1, losses: { a: 1, b: 2 }, lr: 1 / 7 });
});
