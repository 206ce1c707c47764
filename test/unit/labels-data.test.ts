// What a heads retrain trains on: the person's rows weighted up and overriding the mixed-in data,
// a held-out share kept out, new labels growing the head, unknown columns reported, and the
// mixed-in CSV found from the active checkpoint's own training state.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundledDataCsv } from '../../src/bundled-files.js';
import { parseLabels } from '../../src/engine/data/labels-file.js';
import { initHeadWeights } from '../../src/engine/model/heads.js';
import { buildTrainingSet, isHeldOut, mixCsvFor } from '../../src/server/labels-data.js';
import { tempDir } from '../support/model-folder.js';

const TASKS = [{ name: 'topic', labels: ['food', 'sports'] }, { name: 'sentiment', labels: ['negative', 'positive'] }];

test('the training set: person rows weighted and overriding the mix, a held-out share, new labels, unknown columns', () => {
  const mix = Array.from({ length: 60 }, (_, i) => ({ text: `Sentence ${i}.`, labels: { topic: i % 2 ? 'food' : 'sports', sentiment: 'positive' } }));
  const labels = parseLabels('labels.csv', Buffer.from('sentence,topic,mood\nSentence 3.,sports,happy\nA trip.,travel,\n'));
  const set = buildTrainingSet({ tasks: TASKS, heads: initHeadWeights(TASKS, 4, 1) }, labels, mix, 7);
  assert.deepEqual(set.tasks[0]!.labels, ['food', 'sports', 'travel']);
  assert.deepEqual(set.heads.get('heads.topic.out.weight')!.shape, [3, 4]);
  assert.equal(set.ignored.length, 1);
  assert.match(set.ignored[0]!, /column "mood".*not a task of the model/);
  // The person's "Sentence 3." is trained once, with their label, weighted; the mix row is gone.
  const threes = set.texts.flatMap((t, i) => (t === 'Sentence 3.' ? [i] : []));
  assert.equal(threes.length, 1);
  assert.deepEqual(set.rows[threes[0]!], { topic: 1, sentiment: null });
  assert.equal(set.weights[threes[0]!], 7);
  assert.deepEqual(set.userRows.map((i) => set.texts[i]), ['Sentence 3.', 'A trip.']);
  assert.deepEqual(set.rows[set.userRows[1]!], { topic: 2, sentiment: null });
  // Held-out rows are those the hash picks, and never trained on.
  const held = mix.filter((m) => m.text !== 'Sentence 3.' && isHeldOut(m.text)).map((m) => m.text);
  assert.deepEqual(set.heldOut.texts, held);
  assert.ok(held.length > 5 && held.length < 40, `${held.length} of 59 held out`);
  assert.ok(held.every((t) => !set.texts.includes(t)));
});

test('the mixed-in CSV is the checkpoint run\'s own training CSV when its state names one, else the bundled data', async () => {
  const run = await tempDir('sl-run-');
  const csv = join(run, 'mine.csv');
  await writeFile(csv, 'sentence,topic\na,b\n');
  await mkdir(join(run, 'best'));
  await mkdir(join(run, 'last'));
  await writeFile(join(run, 'last', 'training_state.json'), JSON.stringify({ data: { trainCsv: csv } }));
  assert.equal(mixCsvFor(join(run, 'best')), csv);
  assert.equal(mixCsvFor(join(run, 'last')), csv);
  assert.equal(mixCsvFor(run), bundledDataCsv());
  assert.equal(mixCsvFor(undefined), bundledDataCsv());
});
