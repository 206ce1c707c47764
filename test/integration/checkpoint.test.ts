import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { loadModelFolder } from '../../src/engine/model/load.js';
import { saveFullCheckpoint, saveHeadsOnlyCheckpoint } from '../../src/engine/weights/checkpoint.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { modelWithHeads, tempDir } from '../support/model-folder.js';

const TEXTS = ['Fresh bread from the oven.', 'The striker missed an open goal.', 'A slow, dull memoir.'];
const fixture = JSON.parse(await readFile(new URL('../fixtures/hf-bertmodel-2-layer.json', import.meta.url), 'utf8')) as { keys: string[]; config_keys: string[] };

async function results(model: string) {
  const m = await SentenceModel.load(model, { device: 'cpu' });
  try {
    return await m.run(TEXTS);
  } finally {
    await m.release();
  }
}

test('a full checkpoint is a Hugging Face BertModel folder with our heads, and reloads to the same outputs', async () => {
  const src = await modelWithHeads();
  const loaded = await loadModelFolder(src);
  const out = join(await tempDir(), 'ckpt');
  await saveFullCheckpoint(out, {
    config: loaded.config, rawConfig: loaded.rawConfig,
    backbone: new Map([...loaded.backbone, ...loaded.extras]),
    heads: loaded.heads!.weights, tasks: { tasks: loaded.heads!.tasksFile.tasks, pooling: 'mean' },
    tokenizerDir: src, sentenceTransformers: { pooling: 'mean', normalize: false, maxLength: 128, lowercase: true },
  });
  const { tensors, metadata } = await readSafetensors(join(out, 'model.safetensors'));
  assert.deepEqual([...tensors.keys()].sort(), [...fixture.keys].sort(), 'state-dict names as transformers writes them');
  assert.equal(metadata['format'], 'pt', 'transformers refuses safetensors without format=pt');
  for (const t of tensors.values()) assert.equal(t.dtype, 'F32');
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  for (const k of fixture.config_keys) assert.ok(k in config, `config.json lacks ${k}`);
  assert.deepEqual(config.architectures, ['BertModel']);
  assert.equal(config.num_hidden_layers, 2);
  const modules = JSON.parse(await readFile(join(out, 'modules.json'), 'utf8'));
  assert.deepEqual(modules.map((m: { type: string }) => m.type), ['sentence_transformers.models.Transformer', 'sentence_transformers.models.Pooling']);
  const pooling = JSON.parse(await readFile(join(out, '1_Pooling/config.json'), 'utf8'));
  assert.equal(pooling.pooling_mode_mean_tokens, true);
  assert.equal(pooling.word_embedding_dimension, 32);
  const files = await readdir(out);
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'tasks.json', 'heads.safetensors', 'sentence_bert_config.json']) assert.ok(files.includes(f), f);
  assert.ok(!(await readdir(join(out, '..'))).some((f) => f.includes('.tmp-')), 'no temp folder left');

  const a = await results(src);
  const b = await results(out);
  a.forEach((r, i) => assert.deepEqual(b[i]!.embedding, r.embedding));
});

test('a heads-only checkpoint finds its backbone by path and gives the same outputs', async () => {
  const src = await modelWithHeads();
  const loaded = await loadModelFolder(src);
  const out = join(await tempDir(), 'heads');
  await saveHeadsOnlyCheckpoint(out, { heads: loaded.heads!.weights, tasks: { tasks: loaded.heads!.tasksFile.tasks, pooling: 'mean', base: { path: src } } });
  assert.deepEqual((await readdir(out)).sort(), ['heads.safetensors', 'tasks.json']);
  const a = await results(src);
  const b = await results(out);
  a.forEach((r, i) => assert.deepEqual(b[i]!.tasks, r.tasks));
});

test('tasks.json with an unknown format or without a base is refused clearly', async () => {
  const src = await modelWithHeads();
  const tasksPath = join(src, 'tasks.json');
  const tasks = JSON.parse(await readFile(tasksPath, 'utf8'));
  await writeFile(tasksPath, JSON.stringify({ ...tasks, format: 99 }));
  await assert.rejects(loadModelFolder(src), (e: unknown) => e instanceof SentenceLensError && e.code === 'UNSUPPORTED' && /format 99/.test(e.message));
  const headsOnly = await tempDir();
  await writeFile(join(headsOnly, 'tasks.json'), JSON.stringify(tasks));
  await assert.rejects(SentenceModel.load(headsOnly), /must name its base model/);
});
