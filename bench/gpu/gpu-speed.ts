/**
 * The GPU check's speed and precision sections (run by gpu-check.ts on the device machine):
 *  - GPU-resident training equals the CPU path on the real GPU (5 steps, a small model);
 *  - fp16 inference on WebGPU against fp32 on the bundled sentences (labels, cosine);
 *  - inference throughput: CPU fp32, WebGPU fp32, WebGPU fp16;
 *  - training throughput: CPU, WebGPU host-fed, WebGPU resident, bytes per step
 *    (bench/train-device.ts), for the MiniLM and bert-base shapes.
 */
import { join } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { DEFAULT_TASKS, initHeadWeights } from '../../src/engine/model/heads.js';
import { buildInferenceGraph } from '../../src/engine/model/inference-graph.js';
import { readBundledSentences } from '../../src/engine/model/generate.js';
import type { EncoderConfig } from '../../src/engine/model/encoder-config.js';
import type { Tensor } from '../../src/engine/model/tensor.js';
import { Rng } from '../../src/engine/random.js';
import { createSession, ort } from '../../src/engine/runtime/session.js';
import type { Device } from '../../src/engine/runtime/device.js';
import { AdamW } from '../../src/engine/train/optimizer.js';
import { createResidentEngine } from '../../src/engine/train/resident-runner.js';
import { ParameterSet } from '../../src/engine/train/step.js';
import { hostStepEngine } from '../../src/engine/train/step-engine.js';
import { createFullGraphRunner } from '../../src/engine/train/step-runner.js';
import { timeIt } from '../machine.js';
import { syntheticBatch } from '../train-engines.js';

// run.sh runs from the repository root (also when bundled into .gpu/).
const OFFLINE = join(process.cwd(), 'models', 'offline');

/** 5 AdamW steps on the GPU with the state resident vs on the CPU with the host optimizer. */
export async function residentParity(config: EncoderConfig, weights: Map<string, Tensor>): Promise<Record<string, number>> {
  const heads = initHeadWeights(DEFAULT_TASKS, config.hiddenSize, 2, 0.5);
  const run = async (device: Device) => {
    const shapes = new Map<string, number[]>();
    const tensors = new Map<string, Float32Array>();
    for (const [n, t] of [...weights, ...heads]) {
      shapes.set(n, [...t.shape]);
      tensors.set(n, t.data.slice());
    }
    const params = new ParameterSet(tensors);
    const o = { config, params, tasks: DEFAULT_TASKS, pooling: 'mean' as const, device };
    const engine = device === 'cpu'
      ? hostStepEngine(await createFullGraphRunner(o, shapes), params, new AdamW(), { maxGradNorm: 1 })
      : await createResidentEngine({ ...o, optimizer: new AdamW(), maxGradNorm: 1, gradAccum: 1 }, shapes);
    const batch = syntheticBatch(config.vocabSize, 8, 24);
    const losses = [];
    for (let s = 0; s < 5; s++) losses.push((await engine.step([batch], [0], 1e-3)).loss);
    await engine.syncWeights();
    await engine.release();
    return { params, losses };
  };
  const [a, b] = [await run('cpu'), await run('webgpu')];
  let worst = 0;
  let largest = 0;
  for (const [n, x] of a.params.entries()) {
    if (n.includes('key.bias')) continue; // a zero true gradient: Adam steps on rounding noise
    const y = b.params.get(n);
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      largest = Math.max(largest, Math.abs(x[i]!));
    }
  }
  return { weights_max_abs_diff_after_5_steps: worst, largest_weight: largest, loss_cpu_step5: a.losses[4]!, loss_webgpu_step5: b.losses[4]! };
}

/** fp16 on WebGPU against fp32 on the CPU: the offline model on every bundled sentence. */
export async function fp16Accuracy(): Promise<Record<string, unknown>> {
  const sentences = await readBundledSentences(process.cwd());
  const ref = await SentenceModel.load(OFFLINE, { device: 'cpu', precision: 'fp32' });
  const a = await ref.run(sentences);
  await ref.release();
  const m = await SentenceModel.load(OFFLINE, { device: 'webgpu', precision: 'fp16' });
  const b = await m.run(sentences);
  await m.release();
  let agree = 0;
  let labels = 0;
  let minCos = 1;
  a.forEach((r, i) => {
    for (const t of Object.keys(r.tasks)) {
      labels++;
      if (r.tasks[t]!.label === b[i]!.tasks[t]!.label) agree++;
    }
    const [x, y] = [r.embedding, b[i]!.embedding];
    let d = 0, nx = 0, ny = 0;
    for (let k = 0; k < x.length; k++) {
      d += x[k]! * y[k]!;
      nx += x[k]! ** 2;
      ny += y[k]! ** 2;
    }
    minCos = Math.min(minCos, d / Math.sqrt(nx * ny));
  });
  return { precision: m.precision, labels_equal: `${agree}/${labels}`, lowest_cosine: minCos };
}

function idFeeds(batch: number, seq: number): Record<string, ort.Tensor> {
  const rng = new Rng(3);
  return {
    input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: batch * seq }, () => BigInt(1000 + rng.int(29000))), [batch, seq]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * seq).fill(1n), [batch, seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(batch * seq), [batch, seq]),
  };
}

/** session.run throughput: CPU fp32, WebGPU fp32, WebGPU fp16. */
export async function inferenceRows(name: string, config: EncoderConfig, weights: Map<string, Tensor>): Promise<string[]> {
  const rows: string[] = [];
  for (const [batch, seq] of [[32, 128], [1, 32]]) {
    const f = idFeeds(batch, seq);
    for (const [device, precision] of [['cpu', 'fp32'], ['webgpu', 'fp32'], ['webgpu', 'fp16']] as const) {
      const g = buildInferenceGraph(config, weights, new Map(), { pooling: 'mean', normalize: false, tasks: [], precision });
      const s = await createSession(g.toBytes(), device);
      await s.run(f);
      const t = await timeIt(() => s.run(f), 3, 3000);
      rows.push(`| ${name} | inference batch ${batch} × seq ${seq} | ${device} ${precision} | ${(batch / (t.meanMs / 1000)).toFixed(1)} sent/s | ${t.meanMs.toFixed(1)} ms |`);
      console.log(rows.at(-1));
      await s.release();
    }
  }
  return rows;
}
