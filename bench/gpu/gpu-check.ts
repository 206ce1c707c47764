/**
 * The device-machine check: WebGPU on a real GPU computes what the CPU computes (inference, a
 * training step, GPU-resident training, fp16), throughput on both (fp32/fp16 inference;
 * training host-fed vs resident with bytes per step), and files for the Python cross-check
 * (gpu-check.py).
 * Bundled by bench/gpu/prepare.sh into .gpu/gpu-check.mjs; run by bench/gpu/run.sh there.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { DEFAULT_TASKS, initHeadWeights } from '../../src/engine/model/heads.js';
import { writeHeads } from '../../src/engine/model/tasks-file.js';
import { loadModelFolder } from '../../src/engine/model/load.js';
import { saveFullCheckpoint } from '../../src/engine/weights/checkpoint.js';
import { exportOnnx } from '../../src/engine/export.js';
import { buildTrainingGraph } from '../../src/engine/train/train-graph.js';
import { chooseDevice, type Device } from '../../src/engine/runtime/device.js';
import { createSession, ort } from '../../src/engine/runtime/session.js';
import { describeMachine } from '../machine.js';
import { benchTrainOnDevice } from '../train-device.js';
import { fp16Accuracy, inferenceRows, residentParity } from './gpu-speed.js';
import { Rng } from '../../src/engine/random.js';
import { parameterShapes } from '../../src/engine/model/weights.js';
import type { Tensor } from '../../src/engine/model/tensor.js';
import type { EncoderConfig } from '../../src/engine/model/encoder-config.js';

const OUT = process.env['OUT'] ?? '/tmp/out';
const SENTENCES = [
  'The soup was warm and full of fresh vegetables.',
  'Our team won the football match in extra time!',
  'She reads a novel every week on the train, and this one kept her up late.',
  'Pasta again?',
  'The referee made a terrible call in the final minute.',
  'Well that\'s a bit far-fetched',
  'Go fetch boy',
  'Rewards, rewards, rewards',
];
const results: Record<string, unknown> = { machine: describeMachine() };
const log = (k: string, v: unknown) => {
  results[k] = v;
  console.log(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

function randomWeights(c: EncoderConfig, seed: number): Map<string, Tensor> {
  const rng = new Rng(seed);
  const out = new Map<string, Tensor>();
  for (const [name, shape] of parameterShapes(c)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const ln = name.endsWith('LayerNorm.weight');
    for (let i = 0; i < data.length; i++) data[i] = ln ? 1 : 0.02 * rng.normal();
    out.set(name, { shape, data });
  }
  return out;
}

const shapeCfg = (layers: number, hidden: number, heads: number, inter: number): EncoderConfig => ({
  modelType: 'bert', vocabSize: 30522, hiddenSize: hidden, numLayers: layers, numHeads: heads, intermediateSize: inter, maxPositions: 512,
  typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropout: 0.1, attentionDropout: 0.1, padTokenId: 0, relativeAttentionBuckets: 0,
});

function idFeeds(batch: number, seq: number): Record<string, ort.Tensor> {
  const rng = new Rng(3);
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: batch * seq }, () => BigInt(1000 + rng.int(29000))), [batch, seq]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * seq).fill(1n), [batch, seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(batch * seq), [batch, seq]),
  };
}

async function main() {
  await mkdir(OUT, { recursive: true });
  log('device_auto', await chooseDevice('auto'));

  // 1. Parity of the engine on WebGPU vs CPU, on a small model with heads.
  const dir = '/tmp/sl-gpu-model';
  await generateModelFolder(dir, { texts: SENTENCES, seed: 5, randomLayerNorm: true, config: { hidden_size: 64, num_hidden_layers: 3, num_attention_heads: 4, intermediate_size: 128, initializer_range: 0.3 } });
  await writeHeads(dir, { tasks: DEFAULT_TASKS, pooling: 'mean' }, initHeadWeights(DEFAULT_TASKS, 64, 9, 1.0));
  const cpu = await SentenceModel.load(dir, { device: 'cpu' });
  const gpu = await SentenceModel.load(dir, { device: 'webgpu' });
  const a = await cpu.run(SENTENCES);
  const b = await gpu.run(SENTENCES);
  log('infer_parity_webgpu_vs_cpu', {
    embedding_max_abs_diff: Math.max(...a.map((r, i) => maxDiff(r.embedding, b[i]!.embedding))),
    probs_max_abs_diff: Math.max(...a.map((r, i) => Math.max(...['topic', 'sentiment'].map((t) => maxDiff(Object.values(r.tasks[t]!.probs), Object.values(b[i]!.tasks[t]!.probs)))))),
  });
  // Files for the Python cross-check: a full checkpoint, our ids and vectors, an export.
  const loaded = await loadModelFolder(dir);
  const ckpt = join('/tmp', 'sl-gpu-ckpt');
  await saveFullCheckpoint(ckpt, {
    config: loaded.config, rawConfig: loaded.rawConfig, backbone: new Map([...loaded.backbone, ...loaded.extras]),
    heads: loaded.heads!.weights, tasks: { tasks: loaded.heads!.tasksFile.tasks, pooling: 'mean' }, tokenizerDir: dir,
    sentenceTransformers: { pooling: 'mean', normalize: false, maxLength: 128, lowercase: true },
  });
  await exportOnnx(ckpt, '/tmp/sl-gpu-export/model.onnx');
  await writeFile('/tmp/sl-gpu-ours.json', JSON.stringify({
    sentences: SENTENCES,
    ids: cpu.tokenizer.encode(SENTENCES, 128).ids,
    embeddings: a.map((r) => Array.from(r.embedding)),
    topic_probs: a.map((r) => Object.values(r.tasks['topic']!.probs)),
  }));
  await cpu.release();
  await gpu.release();

  // 2. One training step on WebGPU vs CPU (tiny full fine-tune, no dropout).
  const tcfg = shapeCfg(2, 64, 4, 128);
  const tw = randomWeights({ ...tcfg, vocabSize: 30522 }, 11);
  const heads = initHeadWeights(DEFAULT_TASKS, 64, 2, 0.5);
  const tg = buildTrainingGraph(tcfg, tw, heads, DEFAULT_TASKS, { pooling: 'mean', isTrainable: () => true });
  const all = new Map([...tw, ...heads]);
  const feeds: Record<string, ort.Tensor> = idFeeds(8, 24);
  for (const t of DEFAULT_TASKS) {
    feeds[`labels_${t.name}`] = new ort.Tensor('int64', BigInt64Array.from({ length: 8 }, (_, i) => BigInt(i % t.labels.length)), [8]);
    feeds[`mask_${t.name}`] = new ort.Tensor('float32', new Float32Array(8).fill(1), [8]);
  }
  for (const p of tg.trainable) feeds[p.name] = new ort.Tensor('float32', all.get(p.name)!.data, [...all.get(p.name)!.shape]);
  const bytes = tg.graph.toBytes();
  const outs: Record<string, Record<string, ort.Tensor>> = {};
  for (const d of ['cpu', 'webgpu'] as Device[]) outs[d] = await (await createSession(bytes, d)).run(feeds);
  let worstRel = 0;
  let worstParam = '';
  // Key biases have an exactly-zero true gradient (softmax ignores a constant shift), so a
  // floor relative to the largest gradient keeps float noise from reading as a mismatch.
  let globalMax = 0;
  for (const p of tg.trainable) for (const v of outs['cpu']![p.grad]!.data as Float32Array) globalMax = Math.max(globalMax, Math.abs(v));
  for (const p of tg.trainable) {
    const x = outs['cpu']![p.grad]!.data as Float32Array;
    const y = outs['webgpu']![p.grad]!.data as Float32Array;
    let scale = 1e-4 * globalMax;
    for (const v of x) scale = Math.max(scale, Math.abs(v));
    const rel = maxDiff(x, y) / scale;
    if (rel > worstRel) [worstRel, worstParam] = [rel, p.name];
  }
  log('train_step_parity_webgpu_vs_cpu', {
    loss_cpu: (outs['cpu']!['loss']!.data as Float32Array)[0], loss_webgpu: (outs['webgpu']!['loss']!.data as Float32Array)[0],
    grad_max_diff_relative_to_tensor_max: worstRel, worst_param: worstParam, params: tg.trainable.length,
  });

  // 3. GPU-resident training (state on the device, update in the graph) vs the CPU path, and fp16.
  log('resident_training_parity_webgpu_vs_cpu', await residentParity(tcfg, tw));
  log('fp16_webgpu_vs_fp32_cpu_offline_model', await fp16Accuracy());

  // 4. Throughput on this machine's CPU and GPU (WebGPU), random weights.
  const rows: string[] = [];
  // GPU_CHECK_SKIP_BENCH=1 (a dry run on a machine without a GPU) stops before the timings.
  const shapes = process.env['GPU_CHECK_SKIP_BENCH'] ? [] : [['MiniLM-L6 shape', shapeCfg(6, 384, 12, 1536)], ['bert-base shape', shapeCfg(12, 768, 12, 3072)]] as const;
  for (const [name, c] of shapes) rows.push(...await inferenceRows(name, c, randomWeights(c, 1)));
  // Training: CPU (host optimizer), WebGPU host-fed, WebGPU resident; bytes per step.
  if (!process.env['GPU_CHECK_SKIP_BENCH']) log('training_rows', await benchTrainOnDevice('webgpu', process.env['GPU_CHECK_SHAPES'] ?? 'minilm,bert-base', 3));
  log('throughput_rows', rows);
  await writeFile(join(OUT, 'gpu-check.json'), JSON.stringify(results, null, 2));
}

await main();
