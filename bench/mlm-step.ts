/**
 * The masked-LM pretraining step for bench:train: batch × seq tokens of random ids, 15% of them
 * predicted, everything trainable (encoder, MLM head, tied word embeddings), one step = masking
 * + feeds + session.run (forward, loss, all gradients) + AdamW on the host. FLOPs counted as
 * 6 × encoder path parameters × tokens + 6 × (H·H transform + H·V vocabulary projection) ×
 * predicted tokens: the projection onto the 30,522-entry vocabulary is counted.
 */
import type { LoadedModel } from '../src/engine/model/load.js';
import { mlmBatch, type MlmSpecialIds, type PackedSequence } from '../src/engine/pretrain/mlm-data.js';
import { initMlmHead } from '../src/engine/pretrain/mlm-head.js';
import { createMlmRunner, mlmGraphs } from '../src/engine/pretrain/mlm-runner.js';
import type { Device } from '../src/engine/runtime/device.js';
import { tensorBytes } from '../src/engine/runtime/transfers.js';
import { createResidentEngineFor } from '../src/engine/train/resident-runner.js';
import { hostStepEngine } from '../src/engine/train/step-engine.js';
import { createGraphRunner } from '../src/engine/train/step-runner.js';
import { type EngineFigures, timeEngine } from './train-engines.js';
import { Rng } from '../src/engine/random.js';
import { AdamW } from '../src/engine/train/optimizer.js';
import { ParameterSet, applyUpdate } from '../src/engine/train/step.js';

export interface MlmStepFigures {
  tokensPerS: number;
  stepMs: number;
  runMs: number;
  optMs: number;
  predicted: number;
  /** FLOPs of one step as counted above. */
  flops: number;
  params: number;
  steps: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The model's tensors plus a fresh MLM head, all trainable, and a batch of random ids with 15% predicted. */
function mlmSetup(model: LoadedModel, batch: number, seq: number) {
  const c = model.config;
  const head = initMlmHead(c, 3);
  const shapes = new Map<string, number[]>();
  const tensors = new Map<string, Float32Array>();
  for (const [n, t] of [...model.backbone, ...head]) {
    shapes.set(n, [...t.shape]);
    tensors.set(n, t.data.slice());
  }
  const ids: MlmSpecialIds = { cls: 2, sep: 3, mask: 4, pad: 0, special: new Set([0, 1, 2, 3, 4]), vocabSize: c.vocabSize };
  const rng = new Rng(11);
  const seqs: PackedSequence[] = Array.from({ length: batch }, () => ({
    ids: Int32Array.from({ length: seq }, (_, i) => (i === 0 ? 2 : i === seq - 1 ? 3 : 5 + rng.int(c.vocabSize - 5))),
    wordStart: new Uint8Array(seq).fill(1), file: 'bench', line: 1,
  }));
  return { params: new ParameterSet(tensors), shapes, ids, seqs };
}

export async function benchMlmStep(model: LoadedModel, batch: number, seq: number, timedSteps: number): Promise<MlmStepFigures> {
  const c = model.config;
  const { params, shapes, ids, seqs } = mlmSetup(model, batch, seq);
  const runner = await createMlmRunner({ config: c, params, shapes, device: 'cpu' });
  const opt = new AdamW();
  const runs: number[] = [];
  const opts: number[] = [];
  const steps: number[] = [];
  let predicted = 0;
  for (let s = 0; s <= timedSteps; s++) {
    const t0 = performance.now();
    const b = mlmBatch(seqs, seqs.map((_, i) => i), 1, s, ids);
    const out = await runner.step(b, 0);
    const t1 = performance.now();
    applyUpdate(params, out.grads, opt, 1e-5, { maxGradNorm: 1 });
    const t2 = performance.now();
    predicted = b.positions.length;
    if (s > 0) {
      runs.push(t1 - t0);
      opts.push(t2 - t1);
      steps.push(t2 - t0);
    }
  }
  await runner.release();
  let encoderPath = 0;
  for (const [n, t] of model.backbone) if (n !== 'embeddings.word_embeddings.weight') encoderPath += t.data.length;
  const H = c.hiddenSize;
  const flops = 6 * encoderPath * batch * seq + 6 * (H * H + H * c.vocabSize) * predicted;
  const stepMs = median(steps);
  return { tokensPerS: (batch * seq) / (stepMs / 1000), stepMs, runMs: median(runs), optMs: median(opts), predicted, flops, params: params.count().total, steps: steps.length };
}

/**
 * The masked-LM step through the trainer's engines on a device (bench:train --device): the host
 * optimizer (weights fed, gradients fetched) or the state resident on the device, bytes per step
 * against the batch's own, in bench/train-engines.ts's figures.
 */
export async function benchMlmEngine(model: LoadedModel, o: { device: Device; resident: boolean; batch: number; seq: number; steps: number }): Promise<EngineFigures> {
  const { params, shapes, ids, seqs } = mlmSetup(model, o.batch, o.seq);
  const graphs = mlmGraphs({ config: model.config, params, shapes, device: o.device });
  const engine = o.resident
    ? await createResidentEngineFor(graphs, { optimizer: new AdamW(), maxGradNorm: 1, gradAccum: 1 })
    : hostStepEngine(await createGraphRunner(graphs), params, new AdamW(), { maxGradNorm: 1 });
  const batch = mlmBatch(seqs, seqs.map((_, i) => i), 1, 0, ids);
  const batchBytes = Object.values(graphs.feeds(batch)).reduce((sum, t) => sum + tensorBytes(t), 0);
  const timed = await timeEngine(engine, batch, o.steps);
  return {
    device: o.device, engine: engine.kind, policy: 'masked-LM (all)', dropout: false, examplesPerS: o.batch / (timed.stepMs / 1000), batchBytes,
    trainableParams: params.count().trainable, ...timed,
  };
}
