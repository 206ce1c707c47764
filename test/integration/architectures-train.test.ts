/**
 * Everything a user does with a model, for every architecture: fine-tune under each freeze
 * policy (what trains moves, what is frozen stays bit-identical, with layer-wise LR decay),
 * full checkpoints in the architecture's own Hugging Face names (key lists written from the
 * transformers modeling files, test/fixtures/hf-*model-2-layer.json), reloading, export to one
 * ONNX file with the architecture's inputs, and default topic/sentiment heads for a
 * head-less backbone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { exportOnnx } from '../../src/engine/export.js';
import { SentenceModel } from '../../src/engine/inference.js';
import { prepareSentenceModel } from '../../src/engine/prepare-model.js';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { train } from '../../src/engine/train/trainer.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { ARCHITECTURE_CASES, architectureModel } from '../support/architecture-cases.js';
import { tempDir } from '../support/model-folder.js';

const root = new URL('../../', import.meta.url).pathname;
const bundledCsv = join(root, 'models/sentences.csv');
const work = await tempDir('sl-arch-train-');
const csv = join(work, 'small.csv');
await writeFile(csv, (await readFile(bundledCsv, 'utf8')).split('\n').slice(0, 41).join('\n') + '\n');

const FIXTURES: Record<string, string> = {
  BertModel: 'hf-bertmodel-2-layer.json',
  RobertaModel: 'hf-robertamodel-2-layer.json',
  XLMRobertaModel: 'hf-robertamodel-2-layer.json',
  DistilBertModel: 'hf-distilbertmodel-2-layer.json',
  MPNetModel: 'hf-mpnetmodel-2-layer.json',
};
const fixture = async (modelClass: string) =>
  JSON.parse(await readFile(join(root, 'test/fixtures', FIXTURES[modelClass]!), 'utf8')) as { keys: string[]; config_keys: string[] };

const TEXTS = ['A warm bowl of ramen.', 'The keeper saved a penalty!', 'Une lecture passionnante.'];

/** Parameters that a freeze policy must leave alone, by the architecture's own names. */
const isEmbedding = (n: string) => n.startsWith('embeddings.') || n.startsWith('encoder.relative_attention_bias.');
const isLayer = (i: number) => (n: string) => new RegExp(`^(encoder|transformer)\\.layer\\.${i}\\.`).test(n);

async function backboneOf(dir: string) {
  return (await readSafetensors(join(dir, 'model.safetensors'))).tensors;
}

async function embed(dir: string, texts: readonly string[]) {
  const m = await SentenceModel.load(dir, { device: 'cpu' });
  try {
    return await m.run(texts);
  } finally {
    await m.release();
  }
}

for (const c of ARCHITECTURE_CASES) {
  test(`${c.id}: every freeze policy trains what it should; checkpoints are ${c.modelClass} folders that reload and export`, async () => {
    const model = await architectureModel(c, { heads: false, config: { hidden_size: 16, intermediate_size: 32, num_attention_heads: 2 } });
    const source = await backboneOf(model);
    const run = (freeze: string, extra: object = {}) => train(
      { csv, model, out: join(work, `${c.id}-${freeze.replace(':', '')}`), device: 'cpu', freeze, epochs: 1, batchSize: 8, lr: 1e-2, valSplit: 0.25, seed: 3, ...extra },
    );

    // none, with layer-wise LR decay over this architecture's layer names.
    const full = await run('none', { layerLrDecay: 0.5 });
    assert.equal(full.status, 'completed');
    const ckpt = full.last!.dir;
    const fx = await fixture(c.modelClass);
    const saved = await backboneOf(ckpt);
    assert.deepEqual([...saved.keys()].sort(), [...fx.keys].sort(), `state-dict names as transformers' ${c.modelClass} writes them`);
    const config = JSON.parse(await readFile(join(ckpt, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, [c.modelClass]);
    for (const k of fx.config_keys) assert.ok(k in config, `config.json lacks ${k}`);
    for (const [n, t] of saved) {
      if (n.startsWith('pooler.')) assert.deepEqual(t.data, source.get(n)!.data, `${n}: the pooler is kept as it was`);
      else assert.notDeepEqual(t.data, source.get(n)!.data, `${n} trained under freeze=none`);
    }
    const files = await readdir(ckpt);
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'modules.json', 'tasks.json', 'heads.safetensors']) assert.ok(files.includes(f), f);

    // The checkpoint reloads, and its single-file ONNX export gives the same embeddings with
    // only the inputs this architecture's exported models take.
    const reloaded = await embed(ckpt, TEXTS);
    assert.deepEqual(Object.keys(reloaded[0]!.tasks), ['topic', 'sentiment']);
    const onnx = join(work, `${c.id}.onnx`);
    await exportOnnx(ckpt, onnx);
    const session = await ort.InferenceSession.create(onnx);
    const inputs = c.architecture === 'bert' ? ['attention_mask', 'input_ids', 'token_type_ids'] : ['attention_mask', 'input_ids'];
    assert.deepEqual([...session.inputNames].sort(), inputs);
    const tok = await SentenceTokenizer.load(work);
    const b = SentenceTokenizer.pad(tok.encode(TEXTS, 128).ids, tok.padId);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', b.inputIds, [b.batch, b.seqLen]),
      attention_mask: new ort.Tensor('int64', b.attentionMask, [b.batch, b.seqLen]),
    };
    if (inputs.includes('token_type_ids')) feeds['token_type_ids'] = new ort.Tensor('int64', b.tokenTypeIds, [b.batch, b.seqLen]);
    const exported = (await session.run(feeds))['sentence_embedding']!.data as Float32Array;
    await session.release();
    reloaded.forEach((r, i) => r.embedding.forEach((x, j) => assert.ok(Math.abs(x - exported[i * 16 + j]!) < 1e-5, `export differs at ${i},${j}`)));

    // embeddings: the embedding tables (and MPNet's position bias) stay bit-identical.
    const emb = await backboneOf((await run('embeddings')).last!.dir);
    for (const [n, t] of emb) {
      if (isEmbedding(n)) assert.deepEqual(t.data, source.get(n)!.data, `${n} frozen under freeze=embeddings`);
      else if (isLayer(1)(n)) assert.notDeepEqual(t.data, source.get(n)!.data, `${n} trains under freeze=embeddings`);
    }

    // bottom:1 freezes layer 0 too, and layer 1 trains.
    const bottom = await backboneOf((await run('bottom:1')).last!.dir);
    for (const [n, t] of bottom) {
      if (isEmbedding(n) || isLayer(0)(n)) assert.deepEqual(t.data, source.get(n)!.data, `${n} frozen under bottom:1`);
      else if (isLayer(1)(n)) assert.notDeepEqual(t.data, source.get(n)!.data, `${n} trains under bottom:1`);
    }
    await assert.rejects(run('bottom:3'), /bottom:3 asks for more layers than the model has \(numLayers = 2\)/);

    // backbone: a heads-only checkpoint that names its base and classifies.
    const heads = await run('backbone');
    assert.equal(heads.runner, 'heads-only');
    assert.deepEqual((await readdir(heads.last!.dir)).sort(), ['heads.safetensors', 'tasks.json', 'training_state.json', 'training_state.safetensors']);
    assert.equal((await embed(heads.last!.dir, TEXTS)).length, TEXTS.length);

    assert.equal((await run('all')).status, 'evaluated-only');
  });

  test(`${c.id}: a head-less backbone gets default topic/sentiment heads once, then reuses them`, async () => {
    const model = await architectureModel(c, { heads: false });
    const cacheDir = await tempDir('sl-default-heads-');
    const messages: string[] = [];
    const options = { device: 'cpu' as const, defaultHeads: { dataCsv: bundledCsv, cacheDir, onEvent: (e: { type: string; message?: string }) => e.message && messages.push(e.message) } };
    const first = await prepareSentenceModel(model, options);
    const labels = await first.run(TEXTS);
    await first.release();
    assert.deepEqual(first.tasks.map((t) => t.name), ['topic', 'sentiment']);
    assert.ok(labels.every((r) => ['food', 'sports', 'reading'].includes(r.tasks['topic']!.label)));
    assert.ok(messages.some((m) => /training them once/.test(m)));
    messages.length = 0;
    const second = await prepareSentenceModel(model, options);
    assert.deepEqual((await second.run(TEXTS)).map((r) => r.tasks), labels.map((r) => r.tasks));
    await second.release();
    assert.ok(!messages.some((m) => /training them once/.test(m)), 'the heads are reused');
  });
}
