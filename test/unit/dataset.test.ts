import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collate, type Encoder, epochBatches, loadDataset } from '../../src/engine/data/dataset.js';
import { tempDir } from '../support/model-folder.js';

/** One id per word, plus [CLS]/[SEP]; truncates like the real tokenizer. */
const words: Encoder = {
  encode(texts, maxLength) {
    const ids = texts.map((t) => [2, ...t.split(/\s+/).slice(0, maxLength - 2).map((w) => 5 + (w.length % 20)), 3]);
    return { ids, truncated: texts.map((t) => t.split(/\s+/).length > maxLength - 2) };
  },
};

async function csv(rows: string[][], name = 'data.csv'): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, ['sentence,topic,sentiment', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return path;
}

function rows(n: number): string[][] {
  const topics = ['food', 'sports', 'reading', 'food', 'food'];
  return Array.from({ length: n }, (_, i) => [`row ${i} ${'word '.repeat(i % 7)}end`, topics[i % 5]!, i % 3 === 0 ? 'negative' : 'positive']);
}

test('the validation split is stratified by the first task and the same for the same seed', async () => {
  const path = await csv(rows(100));
  const a = await loadDataset({ trainCsv: path, valSplit: 0.2, seed: 7, maxLength: 32, tokenizer: words });
  const b = await loadDataset({ trainCsv: path, valSplit: 0.2, seed: 7, maxLength: 32, tokenizer: words });
  const c = await loadDataset({ trainCsv: path, valSplit: 0.2, seed: 8, maxLength: 32, tokenizer: words });
  assert.equal(a.val.length, 20);
  assert.equal(a.train.length, 80);
  assert.deepEqual(a.val.map((e) => e.line), b.val.map((e) => e.line));
  assert.notDeepEqual(a.val.map((e) => e.line), c.val.map((e) => e.line));
  // food 60, sports 20, reading 20 → 12, 4, 4 in validation.
  const topic = a.tasks.find((t) => t.name === 'topic')!;
  const count = (label: string) => a.val.filter((e) => topic.labels[e.labels['topic']!] === label).length;
  assert.deepEqual([count('food'), count('sports'), count('reading')], [12, 4, 4]);
  assert.equal(new Set([...a.train, ...a.val].map((e) => e.line)).size, 100);
  assert.deepEqual(a.train[0]!.ids.slice(0, 1), [2]);
});

test('a separate validation file keeps the train vocabularies and refuses labels they lack', async () => {
  const train = await csv(rows(20));
  const val = await csv([['good food', 'food', 'positive'], ['a match', 'sports', 'negative']], 'val.csv');
  const d = await loadDataset({ trainCsv: train, valCsv: val, seed: 1, maxLength: 32, tokenizer: words });
  assert.equal(d.train.length, 20);
  assert.deepEqual(d.val.map((e) => e.labels), [{ topic: 0, sentiment: 1 }, { topic: 2, sentiment: 0 }]);
  const bad = await csv([['poems', 'poetry', 'positive']], 'bad.csv');
  await assert.rejects(loadDataset({ trainCsv: train, valCsv: bad, seed: 1, maxLength: 32, tokenizer: words }), /unknown label 'poetry'/);
});

test('a resumed run reuses its split by line, and says so when the file lost a row', async () => {
  const path = await csv(rows(30));
  const d = await loadDataset({ trainCsv: path, seed: 1, maxLength: 32, tokenizer: words, split: { train: [5, 3, 9], val: [2] } });
  assert.deepEqual(d.train.map((e) => e.line), [5, 3, 9]);
  assert.deepEqual(d.val.map((e) => e.line), [2]);
  await assert.rejects(loadDataset({ trainCsv: path, seed: 1, maxLength: 32, tokenizer: words, split: { train: [500], val: [] } }), /line 500/);
});

test('truncated rows are reported with their line', async () => {
  const path = await csv([['one two three four five six', 'food', 'positive'], ['short', 'sports', 'negative'], ['tiny', 'food', 'negative']]);
  const d = await loadDataset({ trainCsv: path, valSplit: 0, seed: 1, maxLength: 4, tokenizer: words });
  const w = d.warnings.filter((x) => /truncated/.test(x.message));
  assert.equal(w.length, 1);
  assert.equal(w[0]!.line, 2);
  assert.equal(d.train[0]!.ids.length, 4);
});

test('batch order is a function of (seed, epoch), covers every row once, and groups similar lengths', () => {
  const lengths = Array.from({ length: 200 }, (_, i) => 3 + ((i * 37) % 50));
  const a = epochBatches(lengths, 8, { seed: 3, epoch: 0, shuffle: true });
  assert.deepEqual(epochBatches(lengths, 8, { seed: 3, epoch: 0, shuffle: true }), a);
  assert.notDeepEqual(epochBatches(lengths, 8, { seed: 3, epoch: 1, shuffle: true }), a);
  assert.notDeepEqual(epochBatches(lengths, 8, { seed: 4, epoch: 0, shuffle: true }), a);
  assert.deepEqual(a.flat().sort((x, y) => x - y), lengths.map((_, i) => i));
  assert.equal(a.length, 25);
  // Within a batch, lengths span at most one bucket (64 rows of 200 sorted by length).
  for (const b of a) {
    const ls = b.map((i) => lengths[i]!);
    assert.ok(Math.max(...ls) - Math.min(...ls) <= 20, `batch lengths ${ls}`);
  }
  const plain = epochBatches(lengths, 64, { seed: 3, epoch: 5, shuffle: false });
  assert.deepEqual(plain.map((b) => b.length), [64, 64, 64, 8]);
  assert.deepEqual(plain.flat(), lengths.map((_, i) => i));
});

test('collate pads right, masks missing labels and marks them −1', () => {
  const ex = [
    { line: 2, text: 'a', ids: [2, 7, 3], labels: { t: 1 } },
    { line: 3, text: 'b', ids: [2, 3], labels: { t: null } },
  ];
  const b = collate(ex, [1, 0], ['t'], 0);
  assert.equal(b.seqLen, 3);
  assert.deepEqual([...b.inputIds], [2n, 3n, 0n, 2n, 7n, 3n]);
  assert.deepEqual([...b.attentionMask], [1n, 1n, 0n, 1n, 1n, 1n]);
  assert.deepEqual([...b.labels['t']!], [-1n, 1n]);
  assert.deepEqual([...b.masks['t']!], [0, 1]);
});
