/**
 * Training throughput on the CPU, against the machine's GEMM peak measured in the same run:
 * full fine-tuning and bottom:K (K = half the layers) at batch 16 × sequence 64 on random-weight
 * MiniLM-L6 and bert-base shapes (one step = feeds + session.run + AdamW update on the host), and
 * the heads-only fast path on 1,000 sentences (embedding included) against embedding them alone.
 * Also the masked-LM pretraining step (bench/mlm-step.ts) at the same batch, vocabulary projection counted.
 *   npm run bench:train [-- --shape minilm|bert-base|all] [--quick]
 *   npm run bench:train -- --device webgpu [--shape small|minilm|bert-base|all] [--steps N]
 *     (host-fed vs GPU-resident steps and bytes per step: bench/train-device.ts)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SentenceModel } from '../src/engine/inference.js';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { DEFAULT_TASKS, initHeadWeights } from '../src/engine/model/heads.js';
import { loadModelFolder, type LoadedModel } from '../src/engine/model/load.js';
import { createSession, ort } from '../src/engine/runtime/session.js';
import { Rng } from '../src/engine/random.js';
import { isTrainableFor, type FreezePolicy, formatFreezePolicy } from '../src/engine/train/freeze.js';
import type { RowLabels } from '../src/engine/train/heads-graph.js';
import { HeadsTrainer, gatherRows } from '../src/engine/train/heads-trainer.js';
import { PooledCache } from '../src/engine/train/pooled-cache.js';
import { AdamW } from '../src/engine/train/optimizer.js';
import { ParameterSet, applyUpdate } from '../src/engine/train/step.js';
import { buildTrainingGraph } from '../src/engine/train/train-graph.js';
import { SHAPES, type Shape, generateShapeFolder } from './shapes.js';
import { describeMachine, gemmPeak, gemmRate } from './machine.js';
import { benchMlmStep, type MlmStepFigures } from './mlm-step.js';
import { benchTrainOnDevice } from './train-device.js';


const { values } = parseArgs({
  options: { shape: { type: 'string', default: 'all' }, quick: { type: 'boolean', default: false }, device: { type: 'string', default: 'cpu' }, steps: { type: 'string', default: '3' } },
});
const quick = values.quick!;
// --device webgpu|cuda: host-fed vs GPU-resident training and bytes per step (bench/train-device.ts).
if (values.device !== 'cpu') {
  if (values.device !== 'webgpu' && values.device !== 'cuda') throw new Error('--device expects cpu, webgpu or cuda');
  await benchTrainOnDevice(values.device, values.shape!, Number(values.steps));
  process.exit(0);
}
const shapes = values.shape === 'all' ? (quick ? [SHAPES.minilm] : Object.values(SHAPES)) : [SHAPES[values.shape as keyof typeof SHAPES]];
if (shapes.some((s) => !s)) throw new Error(`--shape expects minilm, bert-base or all`);

const BATCH = 16;
const SEQ = 64;
const HEADS_ROWS = quick ? 250 : 1000;
const HEADS_EPOCHS = 10;
const HEADS_BATCH = 32;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number): string => x.toFixed(0);

/**
 * "Trainable-path parameters": every parameter on the path from the lowest trainable one up,
 * i.e. those whose forward and backward GEMMs a step runs. The word-embedding table is a
 * gather, not a GEMM, so it never counts; position/token-type tables and the embedding
 * LayerNorm count when the embeddings train (they are a rounding error either way).
 */
function pathParameters(model: LoadedModel, heads: ReadonlyMap<string, { data: Float32Array }>, policy: FreezePolicy): number {
  const from = policy.kind === 'bottom' ? policy.layers : -1; // -1: embeddings and up
  let n = 0;
  for (const [name, t] of model.backbone) {
    if (name === 'embeddings.word_embeddings.weight') continue;
    const layer = /^encoder\.layer\.(\d+)\./.exec(name);
    const index = layer ? Number(layer[1]) : -1;
    if (index >= from) n += t.data.length;
  }
  for (const t of heads.values()) n += t.data.length;
  return n;
}

interface StepFigures {
  policy: string;
  examplesPerS: number;
  tokensPerS: number;
  runMs: number;
  optMs: number;
  stepMs: number;
  pathParams: number;
  trainableParams: number;
  steps: number;
}

async function benchSteps(model: LoadedModel, shape: Shape, policy: FreezePolicy, timedSteps: number): Promise<StepFigures> {
  const tasks = DEFAULT_TASKS;
  const heads = initHeadWeights(tasks, shape.hidden, 3);
  const isTrainable = isTrainableFor(policy, { numLayers: shape.layers });
  const tg = buildTrainingGraph(model.config, model.backbone, heads, tasks, { pooling: 'mean', isTrainable });
  const session = await createSession(tg.graph.toBytes(), 'cpu');
  const tensors = new Map<string, Float32Array>();
  for (const [n, t] of model.backbone) tensors.set(n, isTrainable(n) ? t.data.slice() : t.data);
  for (const [n, t] of heads) tensors.set(n, t.data);
  const params = new ParameterSet(tensors, isTrainable);
  const rng = new Rng(11);
  const ids = BigInt64Array.from({ length: BATCH * SEQ }, (_, i) => BigInt(i % SEQ === 0 ? 2 : i % SEQ === SEQ - 1 ? 3 : 5 + rng.int(model.config.vocabSize - 5)));
  const i64 = (data: BigInt64Array, dims: number[]) => new ort.Tensor('int64', data, dims);
  const fixed: Record<string, ort.Tensor> = {
    input_ids: i64(ids, [BATCH, SEQ]),
    attention_mask: i64(new BigInt64Array(BATCH * SEQ).fill(1n), [BATCH, SEQ]),
    token_type_ids: i64(new BigInt64Array(BATCH * SEQ), [BATCH, SEQ]),
    labels_topic: i64(BigInt64Array.from({ length: BATCH }, (_, i) => BigInt(i % 3)), [BATCH]),
    mask_topic: new ort.Tensor('float32', new Float32Array(BATCH).fill(1), [BATCH]),
    labels_sentiment: i64(BigInt64Array.from({ length: BATCH }, (_, i) => BigInt(i % 2)), [BATCH]),
    mask_sentiment: new ort.Tensor('float32', new Float32Array(BATCH).fill(1), [BATCH]),
  };
  const opt = new AdamW();
  const runTimes: number[] = [];
  const optTimes: number[] = [];
  for (let s = 0; s <= timedSteps; s++) {
    const t0 = performance.now();
    const feeds = { ...fixed };
    for (const t of tg.trainable) feeds[t.value.name] = new ort.Tensor('float32', params.get(t.name), t.value.shape.map(Number));
    const out = await session.run(feeds);
    const grads = new Map(tg.trainable.map((t) => [t.name, out[t.grad]!.data as Float32Array] as [string, Float32Array]));
    const t1 = performance.now();
    applyUpdate(params, grads, opt, 1e-5, { maxGradNorm: 1 });
    const t2 = performance.now();
    if (s > 0) {
      // Step 0 is the warm-up (ONNX Runtime plans its memory, V8 optimizes the loops).
      runTimes.push(t1 - t0);
      optTimes.push(t2 - t1);
    }
  }
  await session.release();
  const stepTimes = runTimes.map((r, i) => r + optTimes[i]!);
  const stepMs = median(stepTimes);
  const tokensPerS = (BATCH * SEQ) / (stepMs / 1000);
  const pathParams = pathParameters(model, heads, policy);
  return {
    policy: formatFreezePolicy(policy),
    examplesPerS: BATCH / (stepMs / 1000),
    tokensPerS,
    runMs: median(runTimes),
    optMs: median(optTimes),
    stepMs,
    pathParams,
    trainableParams: params.count().trainable,
    steps: runTimes.length,
  };
}

/** `n` distinct texts from the bundled sentences (cycled, later rounds marked so each text differs). */
function datasetTexts(sentences: string[], n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const s = sentences[i % sentences.length]!;
    const round = Math.floor(i / sentences.length);
    return round === 0 ? s : `${s} (${round})`;
  });
}

async function benchHeadsOnly(model: LoadedModel, shape: Shape): Promise<string[]> {
  const texts = datasetTexts(await readBundledSentences(), HEADS_ROWS);
  const rows: RowLabels[] = texts.map((_, i) => ({ topic: i % 3, sentiment: (i >> 1) % 2 }));
  const opts = { pooling: 'mean' as const, maxLength: 128, batchSize: 32, device: 'cpu' as const };
  const hidden = shape.hidden;

  // Embedding alone: session creation + bucketed inference, as a user's "embed the dataset" would.
  const embedAlone = async (): Promise<number> => {
    const e0 = performance.now();
    const sm = await SentenceModel.fromLoaded({ ...model, heads: undefined }, { ...opts, normalize: false });
    await sm.run(texts);
    await sm.release();
    return performance.now() - e0;
  };

  // Fast path: embed (cold cache, written to disk), then train the heads for HEADS_EPOCHS epochs.
  const fastPath = async (cacheDir: string) => {
    const cache = new PooledCache();
    const f0 = performance.now();
    const pooled = await cache.compute(model, texts, { ...opts, cacheDir });
    const f1 = performance.now();
    const tasks = DEFAULT_TASKS;
    const heads = initHeadWeights(tasks, hidden, 3);
    const trainer = await HeadsTrainer.create({ hidden, tasks, heads, isTrainable: () => true });
    const params = new ParameterSet(new Map([...heads].map(([n, t]) => [n, t.data.slice()])));
    const opt = new AdamW();
    const rng = new Rng(5);
    let steps = 0;
    let loss = NaN;
    for (let epoch = 0; epoch < HEADS_EPOCHS; epoch++) {
      const order = texts.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (let b = 0; b < order.length; b += HEADS_BATCH) {
        const idx = order.slice(b, b + HEADS_BATCH);
        const r = await trainer.run(gatherRows(pooled, hidden, idx), idx.map((i) => rows[i]!), params);
        applyUpdate(params, r.grads, opt, 1e-3);
        loss = r.loss;
        steps++;
      }
    }
    await trainer.release();
    const f2 = performance.now();
    // A later run over the same texts: the disk cache answers.
    cache.clearMemory();
    await cache.compute(model, texts, { ...opts, cacheDir });
    const f3 = performance.now();
    return { totalMs: f2 - f0, embedMs: f1 - f0, trainMs: f2 - f1, cachedMs: f3 - f2, steps, loss };
  };

  // Warm-up, discarded: the first pass over the texts pays for V8 compiling the tokenizer's paths.
  await embedAlone();
  // Alternating pairs; the machine is shared, so each pair's ratio is taken and the median reported.
  const rounds = quick ? 1 : 3;
  const alone: number[] = [];
  const runs: Awaited<ReturnType<typeof fastPath>>[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const cacheDir = await mkdtemp(join(tmpdir(), 'sl-bench-cache-'));
    try {
      const a = await embedAlone();
      const f = await fastPath(cacheDir);
      alone.push(a);
      runs.push(f);
      ratios.push(f.totalMs / a);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  }
  const embedMs = median(alone);
  const pick = (k: 'totalMs' | 'embedMs' | 'trainMs' | 'cachedMs') => median(runs.map((x) => x[k]));
  const { steps, loss } = runs[0]!;
  const out: string[] = [];
  const line = (l: string) => out.push(l);
  line(`\n### Heads-only fast path, ${shape.name}: ${texts.length} bundled sentences (max length 128, batch 32), ${HEADS_EPOCHS} epochs × ${Math.ceil(texts.length / HEADS_BATCH)} steps of ${HEADS_BATCH} rows, AdamW; ${rounds} alternating round(s), medians`);
  line('| | ms | × embedding alone |');
  line('|---|---|---|');
  line(`| embedding alone (session + bucketed inference; rounds: ${alone.map(ms).join(', ')}) | ${ms(embedMs)} | 1.00 |`);
  line(`| fast path total: embed + cache write + ${steps} head steps (rounds: ${runs.map((x) => ms(x.totalMs)).join(', ')}) | ${ms(pick('totalMs'))} | ${median(ratios).toFixed(2)} (median of the rounds' ratios ${ratios.map((x) => x.toFixed(2)).join(', ')}; target ≤ 1.2) |`);
  line(`|   of which embedding + cache write | ${ms(pick('embedMs'))} | ${(pick('embedMs') / embedMs).toFixed(2)} |`);
  line(`|   of which head training (${(steps / (pick('trainMs') / 1000)).toFixed(0)} steps/s, final loss ${loss.toFixed(3)}) | ${ms(pick('trainMs'))} | ${(pick('trainMs') / embedMs).toFixed(3)} |`);
  line(`| later runs on the same texts: pooled vectors from the disk cache | ${ms(pick('cachedMs'))} | ${(pick('cachedMs') / embedMs).toFixed(4)} |`);
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`# bench:train — ${new Date().toISOString()}${quick ? ' (--quick)' : ''}`);
  console.log(`machine: ${describeMachine()}`);
  // Measured at the start and again after the last training step; the higher figure is used,
  // so a load spike from other processes during one measurement cannot flatter the MFU.
  const peakBefore = await gemmPeak(quick ? 500 : 3000);
  let peak = peakBefore;
  console.log(`GEMM peak (ONNX MatMul 2048³, reduced in-graph, createSession options): ${peakBefore.toFixed(1)} GFLOP/s at the start`);
  console.log(`MFU = 6 × trainable-path parameters × tokens/s ÷ GEMM peak. Trainable-path parameters: every parameter from the lowest trainable one up (full FT: all but the word-embedding table, a gather; bottom:K: layers K… and the heads); attention score/context products are not counted (the usual 6N reading). One step = feeds + session.run (forward, losses, all gradients, outputs copied to JS) + AdamW on the host (global-norm clip included), no dropout; median of the timed steps after one warm-up.`);
  const sentences = await readBundledSentences();

  // What MLAS reaches on a shape's own projection GEMMs (tokens = batch × seq rows), FLOP-weighted
  // over a layer's six projections: the ceiling a training step's GEMMs can approach here.
  // Measured before and after that shape's steps; the higher figure is used (as for the peak).
  const shapeRate = async (shape: Shape): Promise<number> => {
    const T = BATCH * SEQ;
    const [H, I] = [shape.hidden, shape.intermediate];
    const parts = [[T, H, H, 4], [T, H, I, 1], [T, I, H, 1]] as const;
    let flops = 0;
    let seconds = 0;
    for (const [m, k, n, count] of parts) {
      const f = 2 * m * k * n * count;
      flops += f;
      seconds += f / ((await gemmRate(m, k, n, quick ? 300 : 1000)) * 1e9);
    }
    return flops / seconds / 1e9;
  };

  const sections: { shape: Shape; steps: StepFigures[]; mlm: MlmStepFigures; headsOnly: string[]; rates: [number, number] }[] = [];
  for (const shape of shapes) {
    const dir = await mkdtemp(join(tmpdir(), 'sl-bench-'));
    try {
      await generateShapeFolder(dir, shape, sentences);
      const model = await loadModelFolder(dir);
      const timed = quick ? 1 : shape.layers > 6 ? 2 : 3;
      const steps: StepFigures[] = [];
      const rateBefore = await shapeRate(shape);
      for (const policy of [{ kind: 'none' }, { kind: 'bottom', layers: shape.layers / 2 }] as FreezePolicy[]) {
        steps.push(await benchSteps(model, shape, policy, timed));
        process.stderr.write(`  ${shape.name} ${formatFreezePolicy(policy)}: done\n`);
      }
      const mlm = await benchMlmStep(model, BATCH, SEQ, timed);
      process.stderr.write(`  ${shape.name} masked-LM step: done\n`);
      const rateAfter = await shapeRate(shape);
      const headsOnly = shape === SHAPES.minilm ? await benchHeadsOnly(model, shape) : [];
      sections.push({ shape, steps, mlm, headsOnly, rates: [rateBefore, rateAfter] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const peakAfter = await gemmPeak(quick ? 500 : 3000);
  peak = Math.max(peakBefore, peakAfter);
  console.log(`GEMM peak again at the end: ${peakAfter.toFixed(1)} GFLOP/s; MFU below uses ${peak.toFixed(1)} GFLOP/s`);

  for (const { shape, steps, mlm, headsOnly, rates } of sections) {
    console.log(`\n## ${shape.name}: ${shape.layers} layers × ${shape.hidden} hidden, ${shape.heads} heads, ${shape.intermediate} intermediate, vocab 30522 (random weights); batch ${BATCH} × seq ${SEQ} on the CPU`);
    const rate = Math.max(...rates);
    console.log(`GEMM rate at this shape's projection sizes ([${BATCH * SEQ}, ${shape.hidden}]×[${shape.hidden}, ${shape.hidden}] ×4, ×[${shape.hidden}, ${shape.intermediate}], [${BATCH * SEQ}, ${shape.intermediate}]×[${shape.intermediate}, ${shape.hidden}], FLOP-weighted; ${rates.map((r) => r.toFixed(1)).join(' before, ')} after the steps): ${rate.toFixed(1)} GFLOP/s = ${((100 * rate) / peak).toFixed(0)}% of the 2048³ peak (the most a step's GEMMs could reach; "MFU vs shape GEMM" divides by this instead)`);
    console.log('| policy | examples/s | tokens/s | MFU | MFU vs shape GEMM | step ms | session.run ms | optimizer ms | trainable params | trainable-path params | steps timed |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    const m = (x: number) => `${(x / 1e6).toFixed(1)}M`;
    for (const f of steps) {
      const mfu = (6 * f.pathParams * f.tokensPerS) / (peak * 1e9);
      console.log(`| ${f.policy === 'none' ? 'full fine-tuning (none)' : f.policy} | ${f.examplesPerS.toFixed(2)} | ${f.tokensPerS.toFixed(0)} | ${(100 * mfu).toFixed(1)}% | ${((100 * mfu * peak) / rate).toFixed(1)}% | ${ms(f.stepMs)} | ${ms(f.runMs)} | ${ms(f.optMs)} (${((100 * f.optMs) / f.stepMs).toFixed(0)}%) | ${m(f.trainableParams)} | ${m(f.pathParams)} | ${f.steps} |`);
    }
    const mlmMfu = mlm.flops / (mlm.stepMs / 1000) / (peak * 1e9);
    console.log(`| masked-LM pretraining step (${mlm.predicted} of ${BATCH * SEQ} tokens predicted, whole-word 80/10/10; tied 30,522 × ${shape.hidden} projection counted) | ${(BATCH / (mlm.stepMs / 1000)).toFixed(2)} | ${mlm.tokensPerS.toFixed(0)} | ${(100 * mlmMfu).toFixed(1)}% | ${((100 * mlmMfu * peak) / rate).toFixed(1)}% | ${ms(mlm.stepMs)} | ${ms(mlm.runMs)} | ${ms(mlm.optMs)} (${((100 * mlm.optMs) / mlm.stepMs).toFixed(0)}%) | ${m(mlm.params)} | ${(mlm.flops / 6 / (BATCH * SEQ) / 1e6).toFixed(1)}M per token (FLOPs ÷ 6 ÷ tokens) | ${mlm.steps} |`);
    for (const line of headsOnly) console.log(line);
  }
  console.log(`\n(bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
