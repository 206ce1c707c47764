/**
 * The offline model's held-out set (models/heldout.csv) is read by the build's final report
 * only: no corpus, pretraining or fine-tuning input comes from it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RECIPE } from '../../scripts/offline-model/config.js';
import { buildCorpus, writeFineTuneCsvs } from '../../scripts/offline-model/stages.js';
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

test('the corpus and the fine-tuning files are made without reading the held-out set, and contain none of it', async () => {
  dir = await tempDir('sl-heldout-');
  await mkdir(join(dir, 'models'), { recursive: true });
  await copyFile(join(root, 'models', 'sentences.csv'), join(dir, 'models', 'sentences.csv'));
  // A folder where the file was: any attempt to read it fails with EISDIR.
  await mkdir(join(dir, 'models', 'heldout.csv'));
  const ctx = { root: dir, work: join(dir, 'work'), recipe: RECIPE, signal: new AbortController().signal, log: () => {} };
  const corpus = await buildCorpus(ctx);
  const ft = await writeFineTuneCsvs(ctx);
  const held = (parse(await readFile(join(root, 'models', 'heldout.csv'), 'utf8'), { columns: true }) as { sentence: string }[]).map((r) => r.sentence.toLowerCase());
  const inputs = (await Promise.all([...corpus, ft.train, ft.val].map((f) => readFile(f, 'utf8')))).join('\n').toLowerCase();
  const leaked = held.filter((s) => inputs.includes(s));
  assert.deepEqual(leaked, []);
});
