/** Sentence pairs for the contrastive objective: reading the CSV, drawing a step's pairs, and the batch they join. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Encoder, Example } from '../../src/engine/data/dataset.js';
import { readPairsCsv } from '../../src/engine/data/pairs.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { collateWithPairs, drawPairs } from '../../src/engine/train/pair-batches.js';
import { dropoutSeed } from '../../src/engine/graph/ops/dropout.js';
import { tempDir } from '../support/model-folder.js';

const dir = await tempDir('sl-pairs-');
after(() => rm(dir, { recursive: true, force: true }));

/** One id per word (its length), between [CLS]=2 and [SEP]=3, truncated like a tokenizer. */
const encoder: Encoder = {
  encode: (texts, maxLength) => {
    const ids = texts.map((t) => [2, ...t.split(/\s+/).map((w) => 10 + w.length), 3].slice(0, maxLength));
    return { ids, truncated: texts.map(() => false) };
  },
};

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

test('reads sentence,paraphrase pairs (quoted commas, BOM, extra columns, blank lines) with their lines', async () => {
  const p = await file('pairs.csv', '\ufeffid,sentence,paraphrase\n1,"Hi, there",Hello you\n\n2,Same text,Same text\n');
  const set = await readPairsCsv(p, encoder, 16);
  assert.deepEqual(set.pairs.map((x) => x.line), [2, 4]);
  assert.deepEqual(set.pairs[0]!.anchor, [2, 13, 15, 3]);
  assert.deepEqual(set.pairs[0]!.positive, [2, 15, 13, 3]);
  assert.deepEqual(set.pairs[1]!.anchor, set.pairs[1]!.positive, 'a pair of one text twice (SimCSE)');
});

test('anchor,positive headers are accepted; texts are truncated to the max length', async () => {
  const p = await file('ap.csv', 'positive,anchor\none two three four,a b\nc d,e f\n');
  const set = await readPairsCsv(p, encoder, 4);
  assert.deepEqual(set.pairs[0]!.anchor, [2, 11, 11, 3]);
  assert.deepEqual(set.pairs[0]!.positive, [2, 13, 13, 15]);
});

test('bad pairs files get an error with the file, the line and what was expected', async () => {
  const cases: [string, RegExp][] = [
    ['text,label\na,b\nc,d\n', /bad1\.csv:1: the header \(text, label\) names no pair of columns; expected sentence,paraphrase or anchor,positive/],
    ['sentence,paraphrase\na,b\nc,\n', /bad2\.csv:3: the paraphrase text is empty/],
    ['sentence,paraphrase\na,b\nc,d,e\n', /bad3\.csv:3: found 3 fields, expected 2/],
    ['sentence,paraphrase\na,b\n', /bad4\.csv: 1 usable pair; the ranking loss needs at least two/],
    ['', /bad5\.csv: the file is empty/],
  ];
  for (const [i, [text, message]] of cases.entries()) {
    const p = await file(`bad${i + 1}.csv`, text);
    await assert.rejects(readPairsCsv(p, encoder, 16), (e: unknown) => e instanceof SentenceLensError && message.test(e.message), `case ${i + 1}`);
  }
  await assert.rejects(readPairsCsv(join(dir, 'missing.csv'), encoder, 16), /missing\.csv: cannot read the pairs file \(ENOENT\)/);
});

test('onBadRow skip lists the bad rows and keeps the rest', async () => {
  const p = await file('skip.csv', 'sentence,paraphrase\na,b\n,d\ne,f\n');
  const set = await readPairsCsv(p, encoder, 16, 'skip');
  assert.deepEqual(set.pairs.map((x) => x.line), [2, 4]);
  assert.deepEqual(set.skipped.map((s) => s.line), [3]);
});

test('a step draws distinct pairs, the same for the same step seed, others for another step', () => {
  const a = drawPairs(1000, 32, dropoutSeed(7, 3));
  assert.equal(new Set(a).size, 32);
  assert.ok(a.every((i) => i >= 0 && i < 1000));
  assert.deepEqual(drawPairs(1000, 32, dropoutSeed(7, 3)), a);
  const b = drawPairs(1000, 32, dropoutSeed(7, 4));
  assert.ok(b.filter((i) => a.includes(i)).length < 8, 'another step draws (mostly) other pairs');
  assert.deepEqual(drawPairs(5, 32, dropoutSeed(7, 3)).sort(), [0, 1, 2, 3, 4], 'asking for more than there are gives each once');
  // Over many steps every pair comes up about equally often.
  const counts = new Array(50).fill(0);
  for (let s = 0; s < 400; s++) for (const i of drawPairs(50, 10, dropoutSeed(1, s))) counts[i]++;
  assert.ok(Math.min(...counts) > 40 && Math.max(...counts) < 120, `counts ${Math.min(...counts)}…${Math.max(...counts)}`);
});

test('pairs join the batch after the labelled rows, unlabelled, and the batch names which rows pair up', () => {
  const ex = (ids: number[], topic: number): Example => ({ line: 0, text: '', ids, labels: { topic } });
  const examples = [ex([2, 5, 3], 1), ex([2, 6, 6, 6, 3], 0), ex([2, 7, 3], 2)];
  const pairs = [{ line: 2, anchor: [2, 8, 3], positive: [2, 9, 9, 3] }, { line: 3, anchor: [2, 10, 3], positive: [2, 11, 3] }];
  const b = collateWithPairs(examples, [2, 0], pairs, [1, 0], ['topic'], 0);
  assert.equal(b.size, 6);
  assert.equal(b.seqLen, 4);
  const row = (r: number) => [...b.inputIds.slice(r * 4, r * 4 + 4)].map(Number);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(row), [[2, 7, 3, 0], [2, 5, 3, 0], [2, 10, 3, 0], [2, 8, 3, 0], [2, 11, 3, 0], [2, 9, 9, 3]]);
  assert.deepEqual([...b.labels['topic']!].map(Number), [2, 1, -1, -1, -1, -1]);
  assert.deepEqual([...b.masks['topic']!], [1, 1, 0, 0, 0, 0]);
  assert.deepEqual([...b.pairRows.anchors].map(Number), [2, 3]);
  assert.deepEqual([...b.pairRows.positives].map(Number), [4, 5]);
});
