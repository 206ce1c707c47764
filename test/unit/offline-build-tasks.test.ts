/**
 * Fine-tuning on a subset of the tasks (bench:active-learning's transfer backbones): the training
 * files carry only the kept tasks' labels, so the backbone never sees the other task's; the
 * contrastive pairs are the same bundled sentences either way.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RECIPE } from '../../scripts/offline-model/config.js';
import { type TaskName, buildCorpus, writeFineTuneCsvs, writeFineTunePairs } from '../../scripts/offline-model/stages.js';
import { tempDir } from '../support/model-folder.js';

const root = new URL('../../', import.meta.url).pathname;
let dir: string | undefined;
after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

async function filesFor(tasks: readonly TaskName[] | undefined) {
  const ctx = { root: dir!, work: join(dir!, `work-${tasks?.join('-') ?? 'all'}`), recipe: RECIPE, signal: new AbortController().signal, log: () => {}, tasks };
  await buildCorpus(ctx);
  const ft = await writeFineTuneCsvs(ctx);
  const pairs = await writeFineTunePairs(ctx, ft.train);
  const rows = async (f: string) => parse(await readFile(f, 'utf8'), { columns: true }) as Record<string, string>[];
  return { train: await rows(ft.train), val: await rows(ft.val), pairs: await rows(pairs.path), lexicon: ft.lexicon };
}

test('fine-tuning files for one task hold that task\'s labels only, with the same contrastive pairs', async () => {
  dir = await tempDir('sl-ft-tasks-');
  await mkdir(join(dir, 'models'), { recursive: true });
  for (const f of ['sentences.csv', 'training-pairs.csv']) await copyFile(join(root, 'models', f), join(dir, 'models', f));
  const bundled = new Set((parse(await readFile(join(root, 'models', 'sentences.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map((r) => r['sentence']));
  const both = await filesFor(undefined);
  const topic = await filesFor(['topic']);
  const sentiment = await filesFor(['sentiment']);

  assert.deepEqual(Object.keys(both.train[0]!), ['sentence', 'topic', 'sentiment']);
  assert.deepEqual(Object.keys(topic.train[0]!), ['sentence', 'topic']);
  assert.deepEqual(Object.keys(topic.val[0]!), ['sentence', 'topic']);
  assert.deepEqual(Object.keys(sentiment.train[0]!), ['sentence', 'sentiment']);
  // The lexicon's words carry a sentiment: they join only when sentiment is learnt.
  assert.equal(topic.lexicon, 0);
  assert.ok(topic.train.every((r) => bundled.has(r['sentence'])));
  assert.equal(sentiment.lexicon, both.lexicon);
  assert.ok(sentiment.lexicon > 100 && sentiment.train.length === both.train.length);
  // Same split, same pairs (the SimCSE rows are the bundled training sentences, never lexicon words).
  assert.deepEqual(topic.val.map((r) => r['sentence']), both.val.map((r) => r['sentence']));
  const pairTexts = (p: Record<string, string>[]) => p.map((r) => `${r['sentence']}|${r['paraphrase']}`).sort();
  assert.deepEqual(pairTexts(topic.pairs), pairTexts(both.pairs));
  assert.deepEqual(pairTexts(sentiment.pairs), pairTexts(both.pairs));
  assert.ok(both.pairs.filter((r) => r['sentence'] === r['paraphrase']).every((r) => bundled.has(r['sentence'])));
});
