/**
 * The sentence map's data from the engine: one point per sentence, the model's own labels, a
 * CSV's gold labels, and disagreements that are exactly `eval`'s errors (its confusion matrix
 * off the diagonal), with the bundled offline model on bundled sentences.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { offlineModelDir } from '../../src/bundled-files.js';
import { readBundledSentences } from '../../src/engine/model/generate.js';
import { SentenceModel } from '../../src/engine/inference.js';
import { buildSentenceMap } from '../../src/engine/map/build-map.js';
import { readMapCsv } from '../../src/engine/map/csv-source.js';
import { disagreements } from '../../src/engine/map/map-data.js';
import { evaluateModel } from '../../src/engine/train/eval-model.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { tempDir } from '../support/model-folder.js';

let model: SentenceModel;
let dir: string;

before(async () => {
  model = await SentenceModel.load(offlineModelDir(), { device: 'cpu' });
  dir = await tempDir('sl-map-');
});

after(async () => {
  await model.release();
  await rm(dir, { recursive: true, force: true });
});

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

test('a map of sentences: one point each, labels and probabilities equal to classifying them', async () => {
  const texts = (await readBundledSentences()).slice(0, 40);
  const phases = new Set<string>();
  const map = await buildSentenceMap(model, { texts }, { seed: 3, nEpochs: 30, onProgress: (phase) => phases.add(phase) });
  assert.equal(map.xy.length, 80);
  assert.equal(map.method, 'umap');
  assert.deepEqual([...phases], ['embed', 'project']);
  const expected = await model.run(texts);
  for (const task of map.tasks) {
    const v = map.values[task.name]!;
    assert.equal(v.gold, undefined);
    expected.forEach((r, i) => {
      assert.equal(task.labels[v.predicted[i]!], r.tasks[task.name]!.label);
      task.labels.forEach((l, j) => assert.ok(Math.abs(v.probs[i * task.labels.length + j]! - r.tasks[task.name]!.probs[l]!) < 1e-6));
    });
  }
  const again = await buildSentenceMap(model, { texts }, { seed: 3, nEpochs: 30 });
  assert.deepEqual(again.xy, map.xy, 'same sentences and seed: the same picture');
});

test("a labelled CSV's disagreements are exactly eval's errors", async () => {
  const rows = (await readBundledSentences()).slice(0, 60);
  const truth = await model.run(rows);
  // Gold labels: the model's own, with every fifth topic swapped, so there are known disagreements.
  const topics = ['food', 'sports', 'reading'];
  const lines = rows.map((text, i) => {
    const predicted = truth[i]!.tasks['topic']!.label;
    const topic = i % 5 === 0 ? topics[(topics.indexOf(predicted) + 1) % 3] : predicted;
    return `${quote(text)},${topic},${truth[i]!.tasks['sentiment']!.label}`;
  });
  const csv = join(dir, 'labelled.csv');
  await writeFile(csv, `sentence,topic,sentiment\n${lines.join('\n')}\n`);

  const source = await readMapCsv(csv, model.tasks);
  assert.deepEqual(source.lines, rows.map((_, i) => i + 2));
  const map = await buildSentenceMap(model, source, { nEpochs: 30 });
  const found = disagreements(map, 'topic');
  assert.deepEqual(found, rows.flatMap((_, i) => (i % 5 === 0 ? [i] : [])));
  assert.deepEqual(disagreements(map, 'sentiment'), []);

  const evaluated = await evaluateModel({ csv, model: offlineModelDir(), device: 'cpu' });
  for (const task of ['topic', 'sentiment']) {
    const m = evaluated.metrics.tasks[task]!;
    const errors = m.confusion.flatMap((row, t) => row.filter((_, p) => p !== t)).reduce((a, b) => a + b, 0);
    assert.equal(disagreements(map, task).length, errors, `${task}: map and eval agree`);
  }
});

test('a CSV with an unknown label: that row is left off with the reason, as eval --on-bad-row skip would', async () => {
  const csv = join(dir, 'unknown.csv');
  await writeFile(csv, 'text,topic\nThe soup was cold.,food\nWe won the final.,cooking\nA gripping novel.,reading\n');
  const source = await readMapCsv(csv, model.tasks);
  assert.deepEqual(source.texts, ['The soup was cold.', 'A gripping novel.']);
  const topic = model.tasks.find((t) => t.name === 'topic')!.labels;
  assert.deepEqual(source.gold['topic'], [topic.indexOf('food'), topic.indexOf('reading')]);
  assert.equal(source.gold['sentiment'], undefined);
  assert.match(source.notes.join('\n'), /1 row not on the map/);
  assert.match(source.notes.join('\n'), /:3:2: unknown label 'cooking'/);
});

test('a CSV without label columns maps its text column', async () => {
  const csv = join(dir, 'plain.csv');
  await writeFile(csv, 'id,text\n1,The soup was cold.\n2,\n3,"We won, at last."\n');
  const source = await readMapCsv(csv, model.tasks);
  assert.deepEqual(source.texts, ['The soup was cold.', 'We won, at last.']);
  assert.deepEqual(source.lines, [2, 4]);
  assert.deepEqual(source.gold, {});
  const one = join(dir, 'one.csv');
  await writeFile(one, 'lines\nFirst one.\nSecond one.\n');
  assert.deepEqual((await readMapCsv(one, model.tasks)).texts, ['First one.', 'Second one.']);
});

test('bad sources say what is wrong', async () => {
  await assert.rejects(readMapCsv(join(dir, 'nope.csv'), model.tasks), (e: unknown) => e instanceof SentenceLensError && e.code === 'MISSING_FILE');
  const empty = join(dir, 'empty.csv');
  await writeFile(empty, '\n');
  await assert.rejects(readMapCsv(empty, model.tasks), /the file is empty/);
  await assert.rejects(buildSentenceMap(model, { texts: [] }), /no sentences to map/);
  const headerOnly = join(dir, 'header.csv');
  await writeFile(headerOnly, 'text\n');
  await assert.rejects(readMapCsv(headerOnly, model.tasks), /header but no rows/);
});
