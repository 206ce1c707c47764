/**
 * Teach in place, server side: the real model server (dist/server.js) with the bundled offline
 * model, driven by the extension's ServerClient. Corrections written to the labels CSV are
 * retrained into heads that classify each labelled sentence as labelled, without costing more than
 * 2 points on the held-out part of the bundled data; a new label grows the head; the checkpoint is
 * reapplied after a restart; an emptied file gives the model's own heads back; a broken file is
 * reported with its line. Needs `npm run build` first (npm test does it).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setLabel, updateLabelsFile } from '../../src/engine/data/labels-file.js';
import { ClientError, ServerClient } from '../../src/extension/server-client.js';
import type { Classification, LabelsHeadsParams, LoadModelParams, RetrainHeadsResult } from '../../src/protocol.js';
import { tempDir } from '../support/model-folder.js';

const SERVER = resolve('dist/server.js');
const OFFLINE = resolve('models/offline');
let ws: string;
let labels: LabelsHeadsParams;
const logs: string[] = [];

// The mixed-in data's pooled vectors are cached on disk under SENTENCE_LENS_CACHE: a temp folder here.
const client = () => new ServerClient({ serverPath: SERVER, log: (l) => logs.push(l), restartDelaysMs: [50], env: { ...process.env, SENTENCE_LENS_CACHE: join(ws, 'cache') } });
const load = (): LoadModelParams => ({ model: OFFLINE, device: 'cpu', labels });
const predicted = (c: Classification, task: string) => c.tasks[task]!.label;

// Sentences not in the bundled data, with the labels a person would give them.
const CANDIDATES: readonly { sentence: string; topic: string; sentiment: string }[] = [
  { sentence: 'My grandmother keeps her recipes in a battered tin box.', topic: 'food', sentiment: 'positive' },
  { sentence: 'The crowd sang for ninety minutes without a pause.', topic: 'sports', sentiment: 'positive' },
  { sentence: 'I finished the last chapter at three in the morning.', topic: 'reading', sentiment: 'positive' },
  { sentence: 'The umpire kept the players waiting in the drizzle for an hour.', topic: 'sports', sentiment: 'negative' },
  { sentence: 'The margins of this library copy are full of rude scribbles.', topic: 'reading', sentiment: 'negative' },
  { sentence: 'The lentil stew tasted of nothing but salt.', topic: 'food', sentiment: 'negative' },
  { sentence: 'Her poems made the whole bus ride fly by.', topic: 'reading', sentiment: 'positive' },
  { sentence: 'Our goalkeeper let in four soft goals before half time.', topic: 'sports', sentiment: 'negative' },
  { sentence: 'The bakery ran out of croissants before eight again.', topic: 'food', sentiment: 'negative' },
  { sentence: 'That audiobook narrator could make a phone book gripping.', topic: 'reading', sentiment: 'positive' },
  { sentence: 'Fresh figs with honey are my idea of a perfect dessert.', topic: 'food', sentiment: 'positive' },
  { sentence: 'The relay team dropped the baton on the final bend.', topic: 'sports', sentiment: 'negative' },
  // Harder ones (a topic word in another topic's sentence, understatement), so that a better
  // offline model still gets at least two wrong.
  { sentence: 'I read the menu twice and still could not find anything I wanted.', topic: 'food', sentiment: 'negative' },
  { sentence: 'Rain stopped play before anyone scored.', topic: 'sports', sentiment: 'negative' },
  { sentence: 'The index at the back of the atlas is useless.', topic: 'reading', sentiment: 'negative' },
];
const heldOutHolds = (r: { heldOut?: { before: Record<string, number>; after: Record<string, number> } }) => {
  assert.ok(r.heldOut, 'held-out accuracy is reported');
  for (const task of ['topic', 'sentiment']) {
    assert.ok(r.heldOut.after[task]! >= r.heldOut.before[task]! - 0.02, `${task}: held-out accuracy ${r.heldOut.before[task]} → ${r.heldOut.after[task]}`);
  }
};

before(async () => {
  assert.ok(existsSync(SERVER), `${SERVER} is missing; run npm run build`);
  ws = await tempDir('sl-teach-');
  labels = { labelsFile: join(ws, '.sentence-lens', 'labels.csv'), headsDir: join(ws, '.sentence-lens', 'heads'), mixTrainingData: true, userWeight: 5 };
});

after(async () => {
  await rm(ws, { recursive: true, force: true });
});

test('corrections retrain the heads: corrected sentences come out as labelled, held-out accuracy holds', { timeout: 120_000 }, async () => {
  const c = client();
  try {
    await c.load(load());
    const { results: before } = await c.classify({ texts: CANDIDATES.map((x) => x.sentence) });
    // The sentences the model gets wrong are the ones a person would correct, one after another.
    const wrong = CANDIDATES.filter((x, i) => predicted(before[i]!, 'topic') !== x.topic || predicted(before[i]!, 'sentiment') !== x.sentiment);
    assert.ok(wrong.length >= 2, `the offline model gets ${wrong.length} of ${CANDIDATES.length} candidates wrong; the test needs at least 2`);
    let r!: RetrainHeadsResult;
    for (const w of wrong) {
      await updateLabelsFile(labels.labelsFile, (t) => setLabel(setLabel(t, w.sentence, 'topic', w.topic), w.sentence, 'sentiment', w.sentiment));
      r = await c.retrainHeads(labels);
      heldOutHolds(r);
    }
    assert.equal(r.rows, wrong.length);
    assert.equal(r.reused, false);
    assert.match(r.mixedWith ?? '', /sentences\.csv$/);
    assert.ok(r.heldOut!.rows > 30, `held-out rows: ${r.heldOut?.rows}`);
    assert.deepEqual(r.model.labelsHeads, { dir: labels.headsDir, rows: wrong.length });
    // Every labelled sentence comes out as labelled, except those the answer names.
    const { results: afterwards } = await c.classify({ texts: wrong.map((w) => w.sentence) });
    const reported = new Set(r.unfit.map((u) => `${u.sentence}|${u.task}`));
    let fixed = 0;
    afterwards.forEach((a, i) => {
      for (const task of ['topic', 'sentiment'] as const) {
        const ok = predicted(a, task) === wrong[i]![task];
        assert.ok(ok !== reported.has(`${wrong[i]!.sentence}|${task}`), `${wrong[i]!.sentence} (${task}): ${ok ? 'right but reported unfit' : 'wrong and not reported'}`);
      }
      if (predicted(a, 'topic') === wrong[i]!.topic && predicted(a, 'sentiment') === wrong[i]!.sentiment) fixed++;
    });
    assert.ok(fixed >= 1 && r.unfit.length <= wrong.length, `corrected ${fixed} of ${wrong.length}; unfit: ${JSON.stringify(r.unfit)}`);
    if (r.unfit.length > 0) assert.equal(r.limitedByHeldOut, true, 'labels left unfit are explained');
    // Asking again with nothing changed reuses the checkpoint.
    assert.equal((await c.retrainHeads(labels)).reused, true);
  } finally {
    await c.dispose();
  }
});

test('labels that fight the data: each comes out as labelled or is reported, and held-out accuracy still holds', { timeout: 120_000 }, async () => {
  const c = client();
  const adversarial = join(ws, 'adversarial.csv');
  try {
    await c.load(load());
    // The opposite sentiment of what each sentence plainly says.
    for (const x of CANDIDATES) await updateLabelsFile(adversarial, (t) => setLabel(t, x.sentence, 'sentiment', x.sentiment === 'positive' ? 'negative' : 'positive'));
    const params = { ...labels, labelsFile: adversarial, headsDir: join(ws, 'adversarial-heads') };
    const r = await c.retrainHeads(params);
    heldOutHolds(r);
    const { results } = await c.classify({ texts: CANDIDATES.map((x) => x.sentence) });
    const reported = new Set(r.unfit.map((u) => u.sentence));
    results.forEach((res, i) => {
      const want = CANDIDATES[i]!.sentiment === 'positive' ? 'negative' : 'positive';
      assert.ok(predicted(res, 'sentiment') === want || reported.has(CANDIDATES[i]!.sentence), `${CANDIDATES[i]!.sentence}: neither fitted nor reported`);
    });
  } finally {
    await c.dispose();
  }
});

test('a new label grows the task by one output, recorded in tasks.json; a restarted server reapplies the heads', { timeout: 120_000 }, async () => {
  const travel = ['We took the night train across the border to Vienna.', 'The hostel by the harbour had a view of every ferry.'];
  for (const s of travel) await updateLabelsFile(labels.labelsFile, (t) => setLabel(t, s, 'topic', 'travel'));
  let c = client();
  try {
    await c.load(load());
    const r = await c.retrainHeads(labels);
    assert.ok(!r.unfit.some((u) => u.label === 'travel'), JSON.stringify(r.unfit));
    assert.deepEqual(r.model.tasks.find((t) => t.name === 'topic')!.labels, ['food', 'reading', 'sports', 'travel']);
    const tasksJson = JSON.parse(await readFile(join(labels.headsDir, 'tasks.json'), 'utf8'));
    assert.deepEqual(tasksJson.tasks[0].labels, ['food', 'reading', 'sports', 'travel']);
    const { results } = await c.classify({ texts: travel });
    assert.deepEqual(results.map((x) => x.tasks['topic']!.label), ['travel', 'travel']);
    assert.ok('travel' in results[0]!.tasks['topic']!.probs);
  } finally {
    await c.dispose();
  }
  // A fresh server given the same labels applies the checkpoint on load, without retraining.
  c = client();
  try {
    const info = await c.load(load());
    assert.equal(info.labelsHeads?.dir, labels.headsDir);
    assert.equal((await c.classify({ texts: [travel[0]!] })).results[0]!.tasks['topic']!.label, 'travel');
  } finally {
    await c.dispose();
  }
});

test('heads that cannot fit a label say which sentence; a broken file is reported by line; an empty file restores the model\'s heads', { timeout: 120_000 }, async () => {
  const c = client();
  try {
    await c.load(load());
    // The offline tokenizer lowercases, so these two rows are one sentence to the model, labelled two ways.
    const text = await readFile(labels.labelsFile, 'utf8');
    await writeFile(labels.labelsFile, `${text}A GREAT BOOK.,reading,positive\na great book.,reading,negative\n`);
    const r = await c.retrainHeads(labels);
    assert.equal(r.unfit.length, 1, JSON.stringify(r.unfit));
    assert.equal(r.unfit[0]!.task, 'sentiment');
    assert.match(r.unfit[0]!.sentence, /^(A GREAT BOOK\.|a great book\.)$/);

    const good = await readFile(labels.labelsFile, 'utf8');
    await writeFile(labels.labelsFile, `${good}Oops, a comma,food,positive\n`);
    const lines = `${good}Oops`.split('\n').length;
    await assert.rejects(c.retrainHeads(labels), (e: unknown) => e instanceof ClientError && e.code === 'BAD_CSV' && e.message.includes(`labels.csv:${lines}: expected 3 fields`));

    await writeFile(labels.labelsFile, 'sentence,topic,sentiment\n');
    const cleared = await c.retrainHeads(labels);
    assert.equal(cleared.rows, 0);
    assert.equal(cleared.model.labelsHeads, undefined);
    assert.deepEqual(cleared.model.tasks.find((t) => t.name === 'topic')!.labels, ['food', 'reading', 'sports']);
    assert.equal(existsSync(labels.headsDir), false, 'the derived checkpoint is removed');
  } finally {
    await c.dispose();
  }
});
