/**
 * The offline model's held-out set (models/heldout.csv) is read by the build's final report
 * only: no corpus, pretraining or fine-tuning input comes from it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RECIPE } from '../../scripts/offline-model/config.js';
import { buildCorpus, writeFineTuneCsvs, writeFineTunePairs } from '../../scripts/offline-model/stages.js';
import { tempDir } from '../support/model-folder.js';

const root = new URL('../../', import.meta.url).pathname;
const scripts = join(root, 'scripts');
let dir: string | undefined;
after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

const withoutComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

test('only the final report names the held-out file, and the build reports after the model is final', async () => {
  const files = [join(scripts, 'build-offline-model.ts'), ...(await readdir(join(scripts, 'offline-model'))).map((f) => join(scripts, 'offline-model', f))];
  const naming = [];
  for (const f of files) if (/heldout\.csv|HELDOUT_FILE/.test(withoutComments(await readFile(f, 'utf8')))) naming.push(f.slice(scripts.length + 1));
  assert.deepEqual(naming, ['offline-model/report.ts']);
  const build = withoutComments(await readFile(join(scripts, 'build-offline-model.ts'), 'utf8'));
  const at = (s: string) => build.indexOf(s);
  assert.ok(at('await runFineTune(') > 0 && at('await finalReport(') > at('await runFineTune(') && at('await finalReport(') > at('await cp(finetuned.dir'), 'finalReport runs after fine-tuning and after the model is copied into place');
});

test('the corpus, fine-tuning and pairs files are made without reading the held-out set or the evaluation pairs, and contain none of them', async () => {
  dir = await tempDir('sl-heldout-');
  await mkdir(join(dir, 'models'), { recursive: true });
  for (const f of ['sentences.csv', 'training-pairs.csv']) await copyFile(join(root, 'models', f), join(dir, 'models', f));
  // A folder where the file was: any attempt to read it fails with EISDIR. The dev pairs may be
  // read to choose the recipe, but they are no training input.
  for (const f of ['heldout.csv', 'paraphrases.csv', 'dev-paraphrases.csv']) await mkdir(join(dir, 'models', f));
  const ctx = { root: dir, work: join(dir, 'work'), recipe: { ...RECIPE, pairs: { ...RECIPE.pairs, simcseWordnet: 2000 } }, signal: new AbortController().signal, log: () => {} };
  const corpus = await buildCorpus(ctx);
  const ft = await writeFineTuneCsvs(ctx);
  const pairs = await writeFineTunePairs(ctx, ft.train);
  assert.ok(pairs.hand > 0 && pairs.simcse > 2000, JSON.stringify(pairs));
  const sentencesOf = (file: string, columns: string[]) =>
    (parse(readFileSync(join(root, 'models', file), 'utf8'), { columns: true }) as Record<string, string>[]).flatMap((r) => columns.map((c) => r[c]!.toLowerCase()));
  const inputs = (await Promise.all([...corpus, ft.train, ft.val, pairs.path].map((f) => readFile(f, 'utf8')))).join('\n').toLowerCase();
  assert.deepEqual(sentencesOf('heldout.csv', ['sentence']).filter((s) => inputs.includes(s)), [], 'no held-out sentence, even inside a longer text');
  // Every text the inputs hold, whole: a training sentence may contain an evaluation sentence
  // as a clause, but no evaluation or dev pair sentence is itself an input.
  const texts = new Set([
    ...(await Promise.all(corpus.map((f) => readFile(f, 'utf8')))).flatMap((t) => t.split('\n')),
    ...(await Promise.all([ft.train, ft.val, pairs.path].map(async (f) => (parse(await readFile(f, 'utf8')) as string[][]).flat()))).flat(),
  ].map((t) => t.toLowerCase()));
  const pairSentences = [...sentencesOf('paraphrases.csv', ['sentence', 'paraphrase']), ...sentencesOf('dev-paraphrases.csv', ['sentence', 'paraphrase'])];
  assert.deepEqual(pairSentences.filter((s) => texts.has(s)), []);
});
