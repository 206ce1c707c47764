import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix, metricsFromConfusion } from '../../src/engine/train/metrics.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('accuracy, per-class precision/recall/F1, macro-F1 and confusion match hand-computed values', () => {
  // truth → predicted, 3 classes, 10 rows:
  //   a: a a a b      (4, 3 right)
  //   b: b b c        (3, 2 right)
  //   c: c a a        (3, 1 right)
  const m = new ConfusionMatrix(['a', 'b', 'c']);
  const pairs: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 1], [1, 1], [1, 1], [1, 2], [2, 2], [2, 0], [2, 0]];
  for (const [t, p] of pairs) m.add(t, p);
  const r = m.metrics(0.5);
  assert.deepEqual(r.confusion, [[3, 1, 0], [0, 2, 1], [2, 0, 1]]);
  assert.equal(r.count, 10);
  close(r.accuracy, 6 / 10, 'accuracy');
  // a: P = 3/5, R = 3/4, F1 = 2·(3/5)(3/4)/(3/5+3/4) = 0.9/1.35 = 2/3
  // b: P = 2/3, R = 2/3, F1 = 2/3
  // c: P = 1/2, R = 1/3, F1 = 2·(1/6)/(5/6) = 0.4
  close(r.perClass[0]!.precision, 3 / 5, 'P(a)');
  close(r.perClass[0]!.recall, 3 / 4, 'R(a)');
  close(r.perClass[0]!.f1, 2 / 3, 'F1(a)');
  close(r.perClass[1]!.f1, 2 / 3, 'F1(b)');
  close(r.perClass[2]!.f1, 0.4, 'F1(c)');
  close(r.macroF1, (2 / 3 + 2 / 3 + 0.4) / 3, 'macro-F1');
  assert.equal(r.loss, 0.5);
  assert.deepEqual(r.perClass.map((c) => c.support), [4, 3, 3]);
});

test('logits → argmax; rows without a label are left out; absent classes do not count in macro-F1', () => {
  const m = new ConfusionMatrix(['x', 'y', 'z']);
  // 4 rows × 3 logits; row 2 has no label.
  const logits = Float32Array.from([2, 1, 0, 0, 3, 1, 9, 9, 9, 0.1, 0.2, 0.0]);
  m.addLogits(logits, [0, 1, null, 0]);
  const r = m.metrics();
  assert.deepEqual(r.confusion, [[1, 1, 0], [0, 1, 0], [0, 0, 0]]);
  close(r.accuracy, 2 / 3, 'accuracy');
  // x: P 1, R 1/2, F1 2/3; y: P 1/2, R 1, F1 2/3; z never true nor predicted → excluded.
  close(r.macroF1, 2 / 3, 'macro-F1');
  assert.ok(Number.isNaN(r.loss));
});

test('a class predicted but never true counts with F1 0; empty input gives zeros', () => {
  const r = metricsFromConfusion([[1, 1], [0, 0]], ['p', 'q']);
  // p: P 1, R 1/2, F1 2/3; q: predicted once, never true: F1 0.
  close(r.macroF1, 1 / 3, 'macro-F1');
  const e = metricsFromConfusion([[0, 0], [0, 0]], ['p', 'q']);
  assert.equal(e.accuracy, 0);
  assert.equal(e.macroF1, 0);
  assert.equal(e.count, 0);
});
