/**
 * The bundled offline model as a user meets it: it classifies plain sentences written apart from
 * its training data, its model card's held-out figures are what it really gets, and it keeps the
 * size and the labels the extension expects.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { SentenceModel } from '../../src/engine/inference.js';
import { ConfusionMatrix } from '../../src/engine/train/metrics.js';
import { paraphraseShare } from '../../scripts/offline-model/nearest.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = join(root, 'models', 'offline');
let model: SentenceModel;
before(async () => { model = await SentenceModel.load(dir, { device: 'cpu' }); });
after(async () => { await model?.release(); });

const bytes = (d: string): number => readdirSync(d, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? bytes(join(d, e.name)) : statSync(join(d, e.name)).size), 0);

test('the offline model has the extension\'s tasks and stays within 25 MB', () => {
  assert.deepEqual(model.tasks.map((t) => [t.name, [...t.labels]]), [['topic', ['food', 'reading', 'sports']], ['sentiment', ['negative', 'positive']]]);
  assert.ok(bytes(dir) <= 25e6, `${(bytes(dir) / 1e6).toFixed(1)} MB`);
});

test('plain sentences get the right topic and sentiment', async () => {
  const cases: [string, string, string][] = [
    ['I cooked a wonderful pasta dinner tonight and it tasted amazing.', 'food', 'positive'],
    ['The soup was cold and far too salty.', 'food', 'negative'],
    ['What a goal! We won the match in the last minute.', 'sports', 'positive'],
    ['Our team played terribly and lost again.', 'sports', 'negative'],
    ['This novel is beautifully written and I loved every chapter.', 'reading', 'positive'],
    ['The book was boring and far too long.', 'reading', 'negative'],
  ];
  const results = await model.run(cases.map((c) => c[0]));
  const wrong = cases.filter((c, i) => results[i]!.tasks['topic']!.label !== c[1] || results[i]!.tasks['sentiment']!.label !== c[2]);
  assert.deepEqual(wrong, []);
});

test('the model card\'s held-out figures are what the model gets on models/heldout.csv', async () => {
  const card = JSON.parse(readFileSync(join(dir, 'offline-model.json'), 'utf8')) as { heldOut: Record<string, { accuracy: number; macroF1: number; count: number }> };
  const rows = parse(readFileSync(join(root, 'models', 'heldout.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  const results = await model.run(rows.map((r) => r['sentence']!));
  for (const task of model.tasks) {
    const m = new ConfusionMatrix([...task.labels]);
    rows.forEach((r, i) => m.add(task.labels.indexOf(r[task.name]!), task.labels.indexOf(results[i]!.tasks[task.name]!.label)));
    const got = m.metrics();
    // One sentence either way: another CPU's float rounding may flip a near-tie.
    assert.ok(Math.abs(got.accuracy - card.heldOut[task.name]!.accuracy) <= 1 / rows.length + 1e-9, `${task.name}: ${got.accuracy} vs card ${card.heldOut[task.name]!.accuracy}`);
    assert.equal(card.heldOut[task.name]!.count, rows.length);
  }
});

test('the model card\'s paraphrase share is what Find Similar gets on models/paraphrases.csv', async () => {
  const card = JSON.parse(readFileSync(join(dir, 'offline-model.json'), 'utf8')) as { paraphraseNearestNeighbour: { share: number; pairs: number } };
  const got = await paraphraseShare(model, join(root, 'models', 'paraphrases.csv'));
  assert.equal(got.pairs, card.paraphraseNearestNeighbour.pairs);
  // One sentence either way, as above.
  assert.ok(Math.abs(got.share - card.paraphraseNearestNeighbour.share) <= 1 / (2 * got.pairs) + 1e-9, `${got.share} vs card ${card.paraphraseNearestNeighbour.share}`);
});
