/**
 * The training engine end to end: graph + session + host update under freeze policies, the
 * heads-only fast path against the full graph, a small model learning the bundled data, and
 * the pooled-vector cache. (WebGPU against CPU for a training step: train-graph-webgpu.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrainingCsv } from '../../src/engine/data/csv.js';
import { generateModelFolder, readBundledSentences } from '../../src/engine/model/generate.js';
import { initHeadWeights, type TaskSpec } from '../../src/engine/model/heads.js';
import { loadModelFolder, type LoadedModel } from '../../src/engine/model/load.js';
import type { Tensor } from '../../src/engine/model/tensor.js';
import { createSession, ort, type Session } from '../../src/engine/runtime/session.js';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { isTrainableFor, type FreezePolicy } from '../../src/engine/train/freeze.js';
import { taskFeeds, type RowLabels } from '../../src/engine/train/heads-graph.js';
import { HeadsTrainer, gatherRows } from '../../src/engine/train/heads-trainer.js';
import { PooledCache } from '../../src/engine/train/pooled-cache.js';
import { AdamW } from '../../src/engine/train/optimizer.js';
import { ParameterSet, applyUpdate } from '../../src/engine/train/step.js';
import { buildTrainingGraph, type TrainingGraph } from '../../src/engine/train/train-graph.js';
import { Rng } from '../../src/engine/random.js';
import { randomBertWeights, tinyConfig } from '../support/random-weights.js';
import { modelWithHeads, tempDir } from '../support/model-folder.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function copyTensors(...maps: ReadonlyMap<string, Tensor>[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const m of maps) for (const [n, t] of m) out.set(n, t.data.slice());
  return out;
}

/** Feeds for the token inputs of a padded batch. */
function tokenFeeds(ids: readonly (readonly number[])[], padId = 0): Record<string, ort.Tensor> {
  const b = SentenceTokenizer.pad(ids, padId);
  const shape = [b.batch, b.seqLen];
  return {
    input_ids: new ort.Tensor('int64', b.inputIds, shape),
    attention_mask: new ort.Tensor('int64', b.attentionMask, shape),
    token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, shape),
  };
}

/** One run of a full training graph with the parameters' current values; returns loss and grads. */
async function fullStep(session: Session, tg: TrainingGraph, params: ParameterSet, feeds: Record<string, ort.Tensor>) {
  const all = { ...feeds };
  for (const t of tg.trainable) all[t.value.name] = new ort.Tensor('float32', params.get(t.name), t.value.shape.map(Number));
  const out = await session.run(all);
  const grads = new Map(tg.trainable.map((t) => [t.name, out[t.grad]!.data as Float32Array] as [string, Float32Array]));
  const losses = Object.fromEntries(tg.lossTasks.map((n) => [n, Number(out[`loss_${n}`]!.data[0])]));
  return { loss: Number(out['loss']!.data[0]), losses, grads };
}

/** |a − b| ≤ rtol · max|a| (+ a tiny floor), element by element. */
function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let scale = 1e-30;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= rtol * scale + 1e-12, `${what}[${i}]: ${a[i]} vs ${b[i]} (scale ${scale})`);
  }
}

// ---------------------------------------------------------------------------------------------

test('frozen parameters are bit-identical after AdamW steps (backbone, embeddings, bottom:1, a frozen head)', async () => {
  const config = tinyConfig();
  const tasks: TaskSpec[] = [{ name: 'topic', labels: ['a', 'b', 'c'], hiddenSize: 8 }, { name: 'sentiment', labels: ['p', 'n'] }];
  const backbone = randomBertWeights(config, 3);
  const heads = initHeadWeights(tasks, config.hiddenSize, 5, 0.3);
  const rng = new Rng(4);
  const lengths = [6, 3, 5, 4];
  const ids = lengths.map((n) => Array.from({ length: n }, () => 1 + rng.int(config.vocabSize - 1)));
  const rows: RowLabels[] = [{ topic: 0, sentiment: 1 }, { topic: 2, sentiment: 0 }, { topic: null, sentiment: 1 }, { topic: 1, sentiment: 0 }];
  const feeds = { ...tokenFeeds(ids), ...taskFeeds(tasks, rows) };

  const policies: { label: string; policy: FreezePolicy; frozenHeads?: string[] }[] = [
    { label: 'backbone', policy: { kind: 'backbone' } },
    { label: 'embeddings', policy: { kind: 'embeddings' } },
    { label: 'bottom:1', policy: { kind: 'bottom', layers: 1 } },
    { label: 'none + frozen sentiment head', policy: { kind: 'none' }, frozenHeads: ['sentiment'] },
  ];
  for (const { label, policy, frozenHeads } of policies) {
    const isTrainable = isTrainableFor(policy, { numLayers: config.numLayers, frozenHeads });
    const params = new ParameterSet(copyTensors(backbone, heads), isTrainable);
    const before = copyTensors(backbone, heads);
    const tg = buildTrainingGraph(config, backbone, heads, tasks, { pooling: 'mean', isTrainable });
    assert.deepEqual(tg.trainable.map((t) => t.name).sort(), params.trainableNames().sort(), `${label}: graph and parameter set agree`);
    const session = await createSession(tg.graph.toBytes(), 'cpu');
    const opt = new AdamW({ weightDecay: 0.1 });
    const losses: number[] = [];
    for (let s = 0; s < 4; s++) {
      const r = await fullStep(session, tg, params, feeds);
      losses.push(r.loss);
      applyUpdate(params, r.grads, opt, 1e-2);
    }
    await session.release();
    assert.ok(losses[3]! < losses[0]!, `${label}: loss went down (${losses.join(', ')})`);
    let frozen = 0;
    for (const [name, data] of params.entries()) {
      const old = before.get(name)!;
      if (params.isTrainable(name)) {
        assert.ok(data.some((x, i) => x !== old[i]), `${label}: trainable ${name} changed`);
      } else {
        frozen++;
        assert.ok(Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(Buffer.from(old.buffer, old.byteOffset, old.byteLength)), `${label}: frozen ${name} is bit-identical`);
      }
    }
    assert.ok(frozen > 0, `${label}: something was frozen`);
  }
});

// ---------------------------------------------------------------------------------------------

let folder: { dir: string; model: LoadedModel } | undefined;
async function smallModel(): Promise<{ dir: string; model: LoadedModel }> {
  if (!folder) {
    const dir = await modelWithHeads();
    folder = { dir, model: await loadModelFolder(dir) };
  }
  return folder;
}

test('heads-only fast path matches the full graph with a frozen backbone (losses, grads, 5 AdamW steps)', async (t) => {
  const { model } = await smallModel();
  const hidden = model.config.hiddenSize;
  const tasks: TaskSpec[] = [{ name: 'topic', labels: ['food', 'sports', 'reading'], hiddenSize: 8 }, { name: 'sentiment', labels: ['positive', 'negative'] }];
  const heads = initHeadWeights(tasks, hidden, 21, 0.5);
  const texts = (await readBundledSentences()).slice(0, 12);
  const rows: RowLabels[] = texts.map((_, i) => ({ topic: i % 5 === 2 ? null : i % 3, sentiment: (i * 7) % 2 }));
  const isTrainable = isTrainableFor({ kind: 'backbone' }, { numLayers: model.config.numLayers });
  const maxLength = 64;

  // Full graph, one padded batch.
  const full = buildTrainingGraph(model.config, model.backbone, heads, tasks, { pooling: 'mean', isTrainable });
  const fullSession = await createSession(full.graph.toBytes(), 'cpu');
  const { ids } = model.tokenizer.encode(texts, maxLength);
  const feeds = { ...tokenFeeds(ids, model.tokenizer.padId), ...taskFeeds(tasks, rows) };
  const paramsFull = new ParameterSet(copyTensors(heads), isTrainable);

  // Fast path: bucketed embedding (batch 5, so padding differs from the full batch), heads graph.
  const pooled = await new PooledCache().compute(model, texts, { pooling: 'mean', maxLength, batchSize: 5, device: 'cpu' });
  const fast = await HeadsTrainer.create({ hidden, tasks, heads, isTrainable });
  assert.deepEqual([...fast.trainableNames].sort(), full.trainable.map((p) => p.name).sort());
  const paramsFast = new ParameterSet(copyTensors(heads), isTrainable);

  const optFull = new AdamW();
  const optFast = new AdamW();
  // Shuffled rows through gatherRows: the fast path must not depend on the cache's row order.
  const order = texts.map((_, i) => (i * 5) % texts.length);
  assert.equal(new Set(order).size, texts.length);
  for (let step = 0; step < 5; step++) {
    const a = await fullStep(fullSession, full, paramsFull, feeds);
    const b = await fast.run(gatherRows(pooled, hidden, order), order.map((i) => rows[i]!), paramsFast);
    assertClose([a.loss, ...Object.values(a.losses)], [b.loss, ...Object.values(b.losses)], 1e-5, `step ${step} losses`);
    if (step === 0) {
      assert.deepEqual(Object.keys(a.losses), Object.keys(b.losses));
      for (const [name, g] of a.grads) assertClose(g, b.grads.get(name)!, 1e-5, `grad ${name}`);
    }
    applyUpdate(paramsFull, a.grads, optFull, 1e-2);
    applyUpdate(paramsFast, b.grads, optFast, 1e-2);
  }
  for (const name of paramsFull.trainableNames()) assertClose(paramsFull.get(name), paramsFast.get(name), 1e-5, `after 5 steps: ${name}`);
  t.diagnostic(`checked ${paramsFull.trainableNames().length} head tensors`);
  await fullSession.release();
  await fast.release();
});

// ---------------------------------------------------------------------------------------------

test('a small model, everything trainable, fits 32 bundled sentences (training loss < 0.05)', async (t) => {
  const csv = await readTrainingCsv(join(root, 'models', 'sentences.csv'));
  const picked = csv.rows.filter((_, i) => i % 20 === 0).slice(0, 32);
  assert.equal(picked.length, 32);
  const tasks: TaskSpec[] = csv.tasks.map((tk) => ({ name: tk.name, labels: tk.labels }));
  assert.deepEqual(tasks.map((tk) => tk.name).sort(), ['sentiment', 'topic']);

  const dir = await tempDir('sl-fit-');
  try {
    await generateModelFolder(dir, {
      texts: await readBundledSentences(), seed: 2,
      config: { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, initializer_range: 0.05 },
    });
    const model = await loadModelFolder(dir);
    const heads = initHeadWeights(tasks, 32, 3, 0.05);
    const tg = buildTrainingGraph(model.config, model.backbone, heads, tasks, { pooling: 'mean', isTrainable: () => true });
    const session = await createSession(tg.graph.toBytes(), 'cpu');
    const { ids } = model.tokenizer.encode(picked.map((r) => r.text), 64);
    const feeds = { ...tokenFeeds(ids, model.tokenizer.padId), ...taskFeeds(tasks, picked.map((r) => r.labels)) };
    const params = new ParameterSet(copyTensors(model.backbone, heads));
    const opt = new AdamW({ weightDecay: 0 });
    const maxSteps = 200;
    let loss = Infinity;
    let steps = 0;
    const t0 = performance.now();
    while (steps < maxSteps) {
      const r = await fullStep(session, tg, params, feeds);
      loss = r.loss;
      if (loss < 0.05) break;
      applyUpdate(params, r.grads, opt, 3e-3, { maxGradNorm: 1 });
      steps++;
    }
    await session.release();
    t.diagnostic(`loss ${loss.toFixed(4)} after ${steps} full-batch steps, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(loss < 0.05, `training loss ${loss} after ${steps} steps`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------

test('pooled cache: repeats hit memory then disk without a session run; other texts or pooling miss', async () => {
  const { model } = await smallModel();
  const cacheDir = await mkdtemp(join(tmpdir(), 'sl-pooled-'));
  try {
    const texts = (await readBundledSentences()).slice(20, 30);
    const opts = { pooling: 'mean' as const, maxLength: 64, batchSize: 4, device: 'cpu' as const, cacheDir };
    const cache = new PooledCache();
    const first = await cache.compute(model, texts, opts);
    assert.equal(first.length, texts.length * model.config.hiddenSize);
    assert.equal(cache.stats.computed, 1);
    assert.equal(cache.stats.sessionRuns, 3); // 10 texts in buckets of 4
    assert.equal((await readdir(cacheDir)).filter((f) => f.endsWith('.safetensors')).length, 1);

    const again = await cache.compute(model, texts, opts);
    assert.deepEqual(cache.stats, { memoryHits: 1, diskHits: 0, computed: 1, sessionRuns: 3 });
    assert.deepEqual(again, first);

    cache.clearMemory();
    const fromDisk = await cache.compute(model, texts, opts);
    assert.deepEqual(cache.stats, { memoryHits: 1, diskHits: 1, computed: 1, sessionRuns: 3 });
    assert.deepEqual(fromDisk, first);

    // The batch size only changes how the work is split: same key.
    await cache.compute(model, texts, { ...opts, batchSize: 8 });
    assert.equal(cache.stats.computed, 1);

    const changedText = [...texts.slice(0, 9), `${texts[9]} Indeed.`];
    const other = await cache.compute(model, changedText, opts);
    assert.equal(cache.stats.computed, 2);
    assertClose(other.subarray(0, 9 * model.config.hiddenSize), first.subarray(0, 9 * model.config.hiddenSize), 1e-5, 'unchanged rows');

    await cache.compute(model, texts, { ...opts, pooling: 'cls' });
    assert.equal(cache.stats.computed, 3);
    await cache.compute(model, texts, { ...opts, maxLength: 8 });
    assert.equal(cache.stats.computed, 4);
    assert.equal((await readdir(cacheDir)).filter((f) => f.endsWith('.safetensors')).length, 4);
    // A bounded folder keeps the most recently used files: the first key (a disk hit below) stays.
    // Every file is made an hour old first, so the disk hit's touch is the newest use (no wait for the clock).
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const f of await readdir(cacheDir)) await utimes(join(cacheDir, f), hourAgo, hourAgo);
    cache.clearMemory();
    await cache.compute(model, texts, opts);
    assert.equal(cache.stats.diskHits, 2);
    await cache.compute(model, texts, { ...opts, weightsKey: 'fine-tuned in memory, step 7', maxDiskEntries: 2 });
    assert.equal(cache.stats.computed, 5);
    assert.equal((await readdir(cacheDir)).filter((f) => f.endsWith('.safetensors')).length, 2);
    cache.clearMemory();
    await cache.compute(model, texts, opts);
    assert.equal(cache.stats.diskHits, 3);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});

test.after(async () => {
  if (folder) await rm(folder.dir, { recursive: true, force: true });
});
