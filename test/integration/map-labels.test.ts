/**
 * The sentence map answers with the heads the editor's annotations use: after the labels heads
 * retrain, every point of a map (of sentences, and of a CSV) carries exactly the label and the
 * probabilities classify gives its sentence, corrected sentences included; a label added by a
 * person ("New label…") is one of the map's labels. And "Label selected as…": the map's selected
 * sentences go to the labels file with the label, by the same functions the extension uses
 * (selectedSentences, setLabels, recolouredMap), and after the retrain the map shows them with it.
 * The real model server (dist/server.js), the bundled offline model. Needs `npm run build` first
 * (npm test does it).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { readLabels, setLabel, setLabels, updateLabelsFile } from '../../src/engine/data/labels-file.js';
import { recolouredMap, selectedSentences, type SentenceMapData } from '../../src/engine/map/map-data.js';
import { ServerClient } from '../../src/extension/server-client.js';
import type { Classification, LabelsHeadsParams } from '../../src/protocol.js';
import { tempDir } from '../support/model-folder.js';

const SERVER = resolve('dist/server.js');
const OFFLINE = resolve('models/offline');
let ws: string;
let labels: LabelsHeadsParams;
let client: ServerClient;

// Sentences not in the bundled data, with the sentiment a person would give them.
const SENTENCES: readonly (readonly [string, 'positive' | 'negative'])[] = [
  ['The soup was warm and full of fresh vegetables.', 'positive'],
  ['The crowd sang for ninety minutes without a pause.', 'positive'],
  ['She reads a novel every week on the train.', 'positive'],
  ['The umpire kept the players waiting in the drizzle for an hour.', 'negative'],
  ['The margins of this library copy are full of rude scribbles.', 'negative'],
  ['That audiobook narrator could make a phone book gripping.', 'positive'],
  ['Our goalkeeper let in four soft goals before half time.', 'negative'],
  ['The relay team dropped the baton on the final bend.', 'negative'],
  ['The bakery ran out of croissants before eight again.', 'negative'],
  ['Fresh figs with honey are my idea of a perfect dessert.', 'positive'],
  // Praise said by negating the bad (the rebuilt offline model reads both as negative).
  ['Not bad at all for a rainy Tuesday.', 'positive'],
  ['Nobody at the table left a single crumb of the pie.', 'positive'],
];
const TEXTS = SENTENCES.map((s) => s[0]);

/** Label name of point i for a task, as the map says it. */
const mapLabel = (map: SentenceMapData, task: string, i: number) => {
  const t = map.tasks.find((x) => x.name === task)!;
  return t.labels[map.values[task]!.predicted[i]!];
};

/** Every point of `map` carries classify's label and probabilities for its sentence. */
function assertMapIsClassify(map: SentenceMapData, classified: readonly Classification[]): void {
  assert.equal(map.texts.length, classified.length);
  for (const t of map.tasks) {
    const k = t.labels.length;
    classified.forEach((c, i) => {
      assert.equal(mapLabel(map, t.name, i), c.tasks[t.name]!.label, `${t.name} of "${map.texts[i]}"`);
      t.labels.forEach((l, j) => assert.ok(Math.abs(map.values[t.name]!.probs[i * k + j]! - c.tasks[t.name]!.probs[l]!) < 1e-6, `${t.name} p(${l}) of "${map.texts[i]}"`));
    });
  }
}

before(async () => {
  assert.ok(existsSync(SERVER), `${SERVER} is missing; run npm run build`);
  ws = await tempDir('sl-map-labels-');
  labels = { labelsFile: join(ws, '.sentence-lens', 'labels.csv'), headsDir: join(ws, '.sentence-lens', 'labels-heads'), mixTrainingData: true, userWeight: 5 };
  client = new ServerClient({ serverPath: SERVER, log: () => undefined, env: { ...process.env, SENTENCE_LENS_CACHE: join(ws, 'cache') } });
  await client.load({ model: OFFLINE, device: 'cpu', labels });
});

after(async () => {
  await client.dispose();
  await rm(ws, { recursive: true, force: true });
});

test('after a retrain the map of sentences answers as classify does: corrected sentences show their new label', { timeout: 180_000 }, async () => {
  const before = await client.map({ source: { kind: 'texts', texts: TEXTS }, seed: 1 });
  assertMapIsClassify(before, (await client.classify({ texts: TEXTS })).results);
  const wrong = SENTENCES.map((s, i) => ({ sentence: s[0], want: s[1], i })).filter((s) => mapLabel(before, 'sentiment', s.i) !== s.want);
  assert.ok(wrong.length >= 1, 'the offline model gets some sentiment here wrong; add a sentence it gets wrong');
  await updateLabelsFile(labels.labelsFile, (t) => wrong.reduce((acc, w) => setLabel(acc, w.sentence, 'sentiment', w.want), t));
  const r = await client.retrainHeads(labels);
  assert.equal(r.rows, wrong.length);

  const after = await client.map({ source: { kind: 'texts', texts: TEXTS }, seed: 1 });
  const { results } = await client.classify({ texts: TEXTS });
  assertMapIsClassify(after, results);
  const unfit = new Set(r.unfit.map((u) => u.sentence));
  const learnt = wrong.filter((w) => !unfit.has(w.sentence));
  assert.ok(learnt.length >= 1, `no correction was learnt: ${JSON.stringify(r.unfit)}`);
  for (const w of learnt) assert.equal(mapLabel(after, 'sentiment', w.i), w.want, `"${w.sentence}" on the map after the retrain`);
  // The backbone is frozen: the picture keeps its layout, only the labels change.
  assert.deepEqual(after.xy, before.xy);
});

test('a CSV map after a retrain: classify\'s labels, and a label a person added is on the map', { timeout: 180_000 }, async () => {
  const travel = 'We took the night train across the border to Vienna.';
  await updateLabelsFile(labels.labelsFile, (t) => setLabel(t, travel, 'topic', 'travel'));
  const r = await client.retrainHeads(labels);
  assert.ok(!r.unfit.some((u) => u.sentence === travel), JSON.stringify(r.unfit));
  const csv = join(ws, 'rows.csv');
  const rows = [...TEXTS.slice(0, 4), travel];
  await writeFile(csv, `sentence,topic\n${rows.map((t, i) => `"${t}",${i === 4 ? 'travel' : ''}`).join('\n')}\n`);
  const map = await client.map({ source: { kind: 'csv', path: csv } });
  assertMapIsClassify(map, (await client.classify({ texts: rows })).results);
  const topic = map.tasks.find((t) => t.name === 'topic')!;
  assert.deepEqual(topic.labels, ['food', 'reading', 'sports', 'travel']);
  assert.equal(mapLabel(map, 'topic', 4), 'travel');
  // The CSV's gold label "travel" is known to the retrained heads, so the row is on the map with it.
  assert.equal(topic.labels[map.values['topic']!.gold![4]!], 'travel');
});

test('"Label selected as…": the selected sentences go to the labels file with the label, and the map then shows them with it', { timeout: 180_000 }, async (t) => {
  // Its own workspace and server, so the other tests' labels do not decide what is wrong here.
  const dir = await tempDir('sl-map-select-');
  const own: LabelsHeadsParams = { ...labels, labelsFile: join(dir, '.sentence-lens', 'labels.csv'), headsDir: join(dir, '.sentence-lens', 'labels-heads') };
  const server = new ServerClient({ serverPath: SERVER, log: () => undefined, env: { ...process.env, SENTENCE_LENS_CACHE: join(ws, 'cache') } });
  t.after(async () => {
    await server.dispose();
    await rm(dir, { recursive: true, force: true });
  });
  await server.load({ model: OFFLINE, device: 'cpu', labels: own });
  const map = await server.map({ source: { kind: 'texts', texts: TEXTS }, seed: 1 });
  // The selection: every sentence a person calls `label`, of which the model gets some wrong.
  const firstWrong = SENTENCES.findIndex((s, i) => mapLabel(map, 'sentiment', i) !== s[1]);
  assert.ok(firstWrong >= 0, 'the offline model gets some sentiment here wrong; add a sentence it gets wrong');
  const label = SENTENCES[firstWrong]![1];
  const points = SENTENCES.flatMap((s, i) => (s[1] === label ? [i] : []));
  const wrongBefore = points.filter((i) => mapLabel(map, 'sentiment', i) !== label);

  const sentences = selectedSentences(map, [...points, ...points]);
  assert.deepEqual(sentences, points.map((i) => TEXTS[i]), 'each selected sentence once, in point order');
  await updateLabelsFile(own.labelsFile, (table) => setLabels(table, sentences, 'sentiment', label));
  const file = await readLabels(own.labelsFile);
  assert.deepEqual(file.tasks, ['sentiment']);
  assert.deepEqual(file.rows.map((r) => [r.sentence, r.labels['sentiment']]), sentences.map((s) => [s, label]));
  assert.equal((await readFile(own.labelsFile, 'utf8')).split('\n')[0], 'sentence,sentiment');

  const r = await server.retrainHeads(own);
  assert.equal(r.rows, sentences.length);
  const unfit = new Set(r.unfit.map((u) => u.sentence));
  assert.ok(wrongBefore.some((i) => !unfit.has(TEXTS[i]!)), `none of the corrections was learnt: ${JSON.stringify(r.unfit)}`);
  // What the map panel does after the retrain: classify the points again and recolour in place.
  const recoloured = recolouredMap(map, server.model!.tasks, (await server.classify({ texts: TEXTS })).results);
  assert.deepEqual(recoloured.xy, map.xy);
  for (const i of points) if (!unfit.has(TEXTS[i]!)) assert.equal(mapLabel(recoloured, 'sentiment', i), label, `"${TEXTS[i]}" recoloured after the retrain`);
  // A map made afresh says the same.
  const fresh = await server.map({ source: { kind: 'texts', texts: TEXTS }, seed: 1 });
  for (const i of points) if (!unfit.has(TEXTS[i]!)) assert.equal(mapLabel(fresh, 'sentiment', i), label, `"${TEXTS[i]}" on a new map after the retrain`);
});
