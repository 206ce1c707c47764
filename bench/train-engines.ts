/**
 * Training steps through the trainer's own StepEngines on one device (fine-tuning here; the
 * masked-LM step through the same engines in mlm-step.ts): the host optimizer
 * (weights fed and gradients fetched every step; the CPU path) and the device-resident engine
 * (weights, moments and step on the GPU, the update in the graph). Reports examples/s and the
 * host ↔ device bytes each step moved, against the batch's own bytes. Used by bench:train
 * (`--device webgpu`) and by the GPU check (bench/gpu).
 */
import type { CollatedBatch } from '../src/engine/data/dataset.js';
import { DEFAULT_TASKS, initHeadWeights } from '../src/engine/model/heads.js';
import type { LoadedModel } from '../src/engine/model/load.js';
import { Rng } from '../src/engine/random.js';
import type { Device } from '../src/engine/runtime/device.js';
import { tensorBytes } from '../src/engine/runtime/transfers.js';
import { isTrainableFor, type FreezePolicy, formatFreezePolicy } from '../src/engine/train/freeze.js';
import { AdamW } from '../src/engine/train/optimizer.js';
import { createResidentEngine } from '../src/engine/train/resident-runner.js';
import { ParameterSet } from '../src/engine/train/step.js';
import { hostStepEngine, type StepEngine } from '../src/engine/train/step-engine.js';
import { batchFeeds, createFullGraphRunner, type RunnerBatch } from '../src/engine/train/step-runner.js';

export interface EngineFigures {
  readonly device: Device;
  readonly engine: StepEngine['kind'];
  readonly policy: string;
  readonly dropout: boolean;
  readonly examplesPerS: number;
  readonly stepMs: number;
  readonly upPerStep: number;
  readonly downPerStep: number;
  readonly batchBytes: number;
  readonly trainableParams: number;
  readonly steps: number;
  readonly lossFirst: number;
  readonly lossLast: number;
}

export interface EngineBenchOptions {
  readonly device: Device;
  readonly resident: boolean;
  readonly policy: FreezePolicy;
  readonly batch: number;
  readonly seq: number;
  /** Timed steps after one warm-up step. */
  readonly steps: number;
  readonly dropout?: boolean;
}

/** A fixed, fully labelled batch of random token ids (first token [CLS]-like, last [SEP]-like). */
export function syntheticBatch(vocab: number, batch: number, seq: number): RunnerBatch {
  const rng = new Rng(11);
  const n = batch * seq;
  const data: CollatedBatch = {
    size: batch, seqLen: seq,
    inputIds: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % seq === 0 ? 2 : i % seq === seq - 1 ? 3 : 5 + rng.int(vocab - 5))),
    attentionMask: new BigInt64Array(n).fill(1n),
    tokenTypeIds: new BigInt64Array(n),
    labels: Object.fromEntries(DEFAULT_TASKS.map((t) => [t.name, BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % t.labels.length))])),
    masks: Object.fromEntries(DEFAULT_TASKS.map((t) => [t.name, new Float32Array(batch).fill(1)])),
    labelLists: Object.fromEntries(DEFAULT_TASKS.map((t) => [t.name, Array.from({ length: batch }, (_, i) => i % t.labels.length)])),
  };
  return { data, indices: Array.from({ length: batch }, (_, i) => i), split: 'train' };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchEngine(model: LoadedModel, o: EngineBenchOptions): Promise<EngineFigures> {
  const tasks = DEFAULT_TASKS;
  const heads = initHeadWeights(tasks, model.config.hiddenSize, 3);
  const isTrainable = isTrainableFor(o.policy, { numLayers: model.config.numLayers });
  const shapes = new Map<string, number[]>();
  const tensors = new Map<string, Float32Array>();
  for (const [n, t] of [...model.backbone, ...heads]) {
    shapes.set(n, [...t.shape]);
    tensors.set(n, isTrainable(n) ? t.data.slice() : t.data);
  }
  const params = new ParameterSet(tensors, isTrainable);
  const runnerOptions = {
    config: model.config, params, tasks, pooling: 'mean' as const, device: o.device, dropout: o.dropout ? {} : undefined,
  };
  const optimizer = new AdamW();
  const engine = o.resident
    ? await createResidentEngine({ ...runnerOptions, optimizer, maxGradNorm: 1, gradAccum: 1 }, shapes)
    : hostStepEngine(await createFullGraphRunner(runnerOptions, shapes), params, optimizer, { maxGradNorm: 1 });
  const batch = syntheticBatch(model.config.vocabSize, o.batch, o.seq);
  const batchBytes = Object.values(batchFeeds(batch.data, tasks, model.config)).reduce((s, t) => s + tensorBytes(t), 0);
  const timed = await timeEngine(engine, batch, o.steps);
  return {
    device: o.device, engine: engine.kind, policy: formatFreezePolicy(o.policy), dropout: !!o.dropout,
    examplesPerS: o.batch / (timed.stepMs / 1000), batchBytes, trainableParams: params.count().trainable, ...timed,
  };
}

/** Steps an engine (fine-tuning's or masked-LM's) on one batch: step 0 warms up, the rest are timed; releases it. */
export async function timeEngine<B>(engine: StepEngine<B, unknown>, batch: B, steps: number): Promise<Pick<EngineFigures, 'stepMs' | 'upPerStep' | 'downPerStep' | 'steps' | 'lossFirst' | 'lossLast'>> {
  const times: number[] = [];
  const up: number[] = [];
  const down: number[] = [];
  const losses: number[] = [];
  try {
    for (let s = 0; s <= steps; s++) {
      const t0 = performance.now();
      const r = await engine.step([batch], [s], 1e-5);
      const dt = performance.now() - t0;
      losses.push(r.loss);
      // Step 0 is the warm-up (ONNX Runtime plans memory, shaders compile, V8 optimizes).
      if (s === 0) continue;
      times.push(dt);
      up.push(r.transfers.up);
      down.push(r.transfers.down);
    }
  } finally {
    await engine.release();
  }
  return { stepMs: median(times), upPerStep: median(up), downPerStep: median(down), steps: times.length, lossFirst: losses[0]!, lossLast: losses.at(-1)! };
}

export const ENGINE_TABLE_HEADER = [
  '| device | optimizer | policy | dropout | examples/s | step ms | bytes up / step | bytes down / step | batch bytes | target ≤ 2×batch + 4 KB | steps timed |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];

export function engineRow(f: EngineFigures): string {
  const moved = f.upPerStep + f.downPerStep;
  const target = 2 * f.batchBytes + 4096;
  const fmt = (b: number) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1e4 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`);
  const verdict = f.device === 'cpu' ? 'n/a (no bus)' : moved <= target ? `**met** (${fmt(moved)})` : `missed (${fmt(moved)}, ${(moved / target).toFixed(0)}× the target)`;
  const kind = f.engine === 'device-resident' ? 'in the graph, state on the device' : 'host (weights fed, gradients fetched)';
  return `| ${f.device} | ${kind} | ${f.policy} | ${f.dropout ? 'on' : 'off'} | ${f.examplesPerS.toFixed(2)} | ${f.stepMs.toFixed(0)} | ${fmt(f.upPerStep)} | ${fmt(f.downPerStep)} | ${fmt(f.batchBytes)} | ${verdict} | ${f.steps} |`;
}
