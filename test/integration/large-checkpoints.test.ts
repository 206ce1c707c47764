/**
 * Checkpoints as large models ship them: weights in fp16 or bf16 (read as fp32, saved back in
 * the source dtype when asked), and sharded across files listed by
 * model.safetensors.index.json, locally and through the hub.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { loadModelFolder } from '../../src/engine/model/load.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { downloadModel } from '../../src/engine/hub.js';
import { train } from '../../src/engine/train/trainer.js';
import { readSafetensors, type SafetensorsFloatDtype, writeSafetensors } from '../../src/engine/weights/safetensors.js';
import { architectureModel } from '../support/architecture-cases.js';
import { startLocalHub } from '../support/local-hub.js';
import { tempDir } from '../support/model-folder.js';

const TEXTS = ['Fresh bread and olives.', 'Le match était serré.', '一本の面白い本'];
const source = await architectureModel({ id: 'xlm-roberta', architecture: 'xlm-roberta', modelClass: 'XLMRobertaModel' }, { heads: false });
const original = (await readSafetensors(join(source, 'model.safetensors'))).tensors;

/** A copy of the source folder with its weights stored as `dtype`, in one file or `shards` files plus an index. */
async function variant(dtype: SafetensorsFloatDtype, shards = 1): Promise<string> {
  const dir = await tempDir(`sl-${dtype}-${shards}-`);
  await cp(source, dir, { recursive: true });
  await rm(join(dir, 'model.safetensors'));
  const names = [...original.keys()].sort();
  if (shards === 1) {
    await writeSafetensors(join(dir, 'model.safetensors'), names.map((n) => [n, { shape: original.get(n)!.shape, data: original.get(n)!.data }]), { format: 'pt' }, { dtype });
    return dir;
  }
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-0000${s + 1}-of-0000${shards}.safetensors`;
    const mine = names.filter((_, i) => i % shards === s);
    for (const n of mine) weightMap[n] = file;
    await writeSafetensors(join(dir, file), mine.map((n) => [n, { shape: original.get(n)!.shape, data: original.get(n)!.data }]), { format: 'pt' }, { dtype });
  }
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  return dir;
}

async function embeddings(dir: string): Promise<Float32Array[]> {
  const m = await SentenceModel.load(dir, { device: 'cpu' });
  try {
    return (await m.run(TEXTS)).map((r) => r.embedding);
  } finally {
    await m.release();
  }
}

test('fp16 and bf16 weights load as fp32 within their rounding, and embed like the fp32 model', async () => {
  const reference = await embeddings(source);
  for (const [dtype, relative] of [['F16', 2 ** -11], ['BF16', 2 ** -8]] as const) {
    const dir = await variant(dtype);
    const loaded = await loadModelFolder(dir);
    assert.equal(loaded.weightsDtype, dtype);
    for (const [name, t] of loaded.backbone) {
      const o = original.get(name)!.data;
      t.data.forEach((x, i) => assert.ok(Math.abs(x - o[i]!) <= relative * Math.abs(o[i]!) + 1e-7, `${dtype} ${name}[${i}]: ${x} vs ${o[i]}`));
    }
    const got = await embeddings(dir);
    got.forEach((e, i) => e.forEach((x, j) => assert.ok(Math.abs(x - reference[i]![j]!) < 0.05, `${dtype} embedding ${i},${j}`)));
  }
});

test('sharded weights (model.safetensors.index.json) load to exactly the single-file model', async () => {
  const reference = await embeddings(source);
  const dir = await variant('F32', 3);
  assert.deepEqual(await embeddings(dir), reference);
  const bf16Shards = await loadModelFolder(await variant('BF16', 2));
  assert.equal(bf16Shards.weightsDtype, 'BF16');

  // A missing shard and an index that points outside the folder are refused, naming the file.
  const broken = await variant('F32', 2);
  await rm(join(broken, 'model-00002-of-00002.safetensors'));
  await assert.rejects(loadModelFolder(broken), (e: unknown) => e instanceof SentenceLensError && e.code === 'MISSING_FILE' && /model-00002-of-00002\.safetensors/.test(e.message));
  const escaping = await variant('F32', 2);
  const index = JSON.parse(await readFile(join(escaping, 'model.safetensors.index.json'), 'utf8'));
  index.weight_map['embeddings.word_embeddings.weight'] = '../elsewhere.safetensors';
  await writeFile(join(escaping, 'model.safetensors.index.json'), JSON.stringify(index));
  await assert.rejects(loadModelFolder(escaping), (e: unknown) => e instanceof SentenceLensError && e.code === 'BAD_SAFETENSORS' && /weight_map\["embeddings\.word_embeddings\.weight"\]/.test(e.message));
});

test('a fine-tuned fp16 model is saved as fp32 by default and as fp16 with saveDtype "source"', async () => {
  const dir = await variant('F16', 2);
  const work = await tempDir('sl-f16-train-');
  const csv = join(work, 'small.csv');
  const root = new URL('../../', import.meta.url).pathname;
  await writeFile(csv, (await readFile(join(root, 'models/sentences.csv'), 'utf8')).split('\n').slice(0, 25).join('\n') + '\n');
  const run = (out: string, saveDtype?: 'source') => train({ csv, model: dir, out: join(work, out), device: 'cpu', epochs: 1, batchSize: 8, valSplit: 0.25, lr: 1e-3, saveDtype });
  for (const [out, saveDtype, dtype, torchDtype] of [['f32', undefined, 'F32', 'float32'], ['f16', 'source', 'F16', 'float16']] as const) {
    const r = await run(out, saveDtype);
    const ckpt = r.last!.dir;
    const { tensors } = await readSafetensors(join(ckpt, 'model.safetensors'));
    for (const [n, t] of tensors) assert.equal(t.dtype, dtype, n);
    assert.equal(JSON.parse(await readFile(join(ckpt, 'config.json'), 'utf8')).torch_dtype, torchDtype);
    assert.equal((await embeddings(ckpt)).length, TEXTS.length);
  }
});

test('the hub path fetches the index and every shard it lists, then loads offline', async () => {
  const dir = await variant('F16', 2);
  const hub = await startLocalHub({ 'acme/sharded-xlmr': { dir } });
  const home = await tempDir('sl-hf-');
  try {
    const got = await downloadModel('acme/sharded-xlmr', { env: { HF_HOME: home, HF_ENDPOINT: hub.endpoint } });
    for (const f of ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) assert.ok(got.files.includes(f), f);
    assert.ok(!hub.requests.some((r) => r.method === 'GET' && r.path.endsWith('/model.safetensors')), 'no GET for a model.safetensors the repo does not have');
    hub.clearLog();
    const offline = await downloadModel('acme/sharded-xlmr', { env: { HF_HOME: home, HF_ENDPOINT: hub.endpoint, HF_HUB_OFFLINE: '1' } });
    assert.equal(offline.dir, got.dir);
    assert.equal(hub.requests.length, 0);
    assert.deepEqual(await embeddings(offline.dir), await embeddings(dir));
  } finally {
    await hub.close();
  }
});
