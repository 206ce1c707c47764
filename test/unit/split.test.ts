import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedSplit } from '../../src/engine/data/split.js';
import { SentenceLensError } from '../../src/engine/errors.js';

interface Row {
  line: number;
  labels: Record<string, number | null>;
}

/** `counts[label]` rows per topic label (null = missing), interleaved like a real file. */
function makeRows(counts: [number | null, number][], sentiment = (i: number) => i % 2): Row[] {
  const pools = counts.map(([label, n]) => ({ label, left: n }));
  const rows: Row[] = [];
  while (pools.some((p) => p.left > 0)) {
    for (const p of pools) {
      if (p.left-- > 0) rows.push({ line: rows.length + 2, labels: { topic: p.label, sentiment: sentiment(rows.length) } });
    }
  }
  return rows;
}

const count = (rows: Row[], task: string, label: number | null) => rows.filter((r) => r.labels[task] === label).length;
const ascending = (rows: Row[]) => rows.every((r, i) => i === 0 || rows[i - 1]!.line < r.line);

test('every row lands in exactly one part, file order preserved', () => {
  const rows = makeRows([[0, 40], [1, 25], [2, 7], [null, 8]]);
  const { train, val } = stratifiedSplit(rows, { valFraction: 0.2, seed: 1 });
  assert.equal(train.length + val.length, rows.length);
  const seen = new Set([...train, ...val]);
  assert.equal(seen.size, rows.length);
  for (const r of rows) assert.ok(seen.has(r));
  assert.ok(ascending(train));
  assert.ok(ascending(val));
});

test('validation takes each label in proportion, missing labels included', () => {
  const rows = makeRows([[0, 100], [1, 50], [2, 20], [null, 30]]);
  const { train, val } = stratifiedSplit(rows, { valFraction: 0.1, seed: 7 });
  assert.equal(val.length, 20);
  assert.equal(count(val, 'topic', 0), 10);
  assert.equal(count(val, 'topic', 1), 5);
  assert.equal(count(val, 'topic', 2), 2);
  assert.equal(count(val, 'topic', null), 3);
  assert.equal(train.length, 180);
});

test('the total matches the fraction despite per-label rounding', () => {
  const rows = makeRows([[0, 5], [1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
  const { val } = stratifiedSplit(rows, { valFraction: 0.3, seed: 3 });
  assert.equal(val.length, 9);
  for (let l = 0; l < 6; l++) assert.ok(count(val, 'topic', l) >= 1 && count(val, 'topic', l) <= 2);
});

test('every label with at least two rows keeps a row in train; a singleton stays in train', () => {
  const rows = makeRows([[0, 2], [1, 2], [2, 1], [3, 10]]);
  for (let seed = 0; seed < 20; seed++) {
    const { train, val } = stratifiedSplit(rows, { valFraction: 0.6, seed });
    for (const l of [0, 1, 2, 3]) assert.ok(count(train, 'topic', l) >= 1, `label ${l} missing from train (seed ${seed})`);
    assert.equal(count(val, 'topic', 2), 0);
  }
});

test('the same seed gives the same split; another seed gives another', () => {
  const rows = makeRows([[0, 60], [1, 30], [2, 10]]);
  const a = stratifiedSplit(rows, { valFraction: 0.2, seed: 42 });
  const b = stratifiedSplit(rows, { valFraction: 0.2, seed: 42 });
  const c = stratifiedSplit(rows, { valFraction: 0.2, seed: 43 });
  assert.deepEqual(a.val.map((r) => r.line), b.val.map((r) => r.line));
  assert.deepEqual(a.train.map((r) => r.line), b.train.map((r) => r.line));
  assert.notDeepEqual(a.val.map((r) => r.line), c.val.map((r) => r.line));
  assert.equal(a.val.length, c.val.length);
});

test('stratifyBy picks another task', () => {
  const rows = makeRows([[0, 50], [1, 50]], (i) => (i < 80 ? 0 : 1));
  const { val } = stratifiedSplit(rows, { valFraction: 0.1, seed: 5, stratifyBy: 'sentiment' });
  assert.equal(count(val, 'sentiment', 0), 8);
  assert.equal(count(val, 'sentiment', 1), 2);
});

test('a small fraction still yields a validation row; zero yields none', () => {
  const rows = makeRows([[0, 5], [1, 5]]);
  assert.equal(stratifiedSplit(rows, { valFraction: 0.01, seed: 1 }).val.length, 1);
  const none = stratifiedSplit(rows, { valFraction: 0, seed: 1 });
  assert.equal(none.val.length, 0);
  assert.equal(none.train.length, 10);
  assert.deepEqual(stratifiedSplit([], { valFraction: 0.2, seed: 1 }), { train: [], val: [] });
});

test('bad arguments are BAD_ARGUMENT errors', () => {
  const rows = makeRows([[0, 5], [1, 5]]);
  const bad = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof SentenceLensError && e.code === 'BAD_ARGUMENT' && pattern.test(e.message));
  bad(() => stratifiedSplit(rows, { valFraction: 1, seed: 1 }), /valFraction is 1; expected a number in \[0, 1\)/);
  bad(() => stratifiedSplit(rows, { valFraction: -0.1, seed: 1 }), /valFraction/);
  bad(() => stratifiedSplit(rows, { valFraction: 0.2, seed: 1.5 }), /seed is 1.5/);
  bad(() => stratifiedSplit(rows, { valFraction: 0.2, seed: 1, stratifyBy: 'intent' }), /stratifyBy is 'intent'.*'topic', 'sentiment'/);
});
