/**
 * Training with its state on the GPU (WebGPU; lavapipe in CI) ends where the CPU path ends:
 * same seed, dropout off, N steps of train() on each device, checkpoints compared tensor by
 * tensor. Covers full fine-tuning, bottom:K, gradient accumulation, SGD with weight decay,
 * layer-wise LR and clipping, and a run cancelled mid-way on the GPU and resumed there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { webgpuUnavailableReason } from '../../src/engine/runtime/device.js';
import type { TrainEvent } from '../../src/engine/train/events.js';
import { train } from '../../src/engine/train/trainer.js';
import type { TrainOptions } from '../../src/engine/train/trainer-options.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { tempDir } from '../support/model-folder.js';

const noGpu = await webgpuUnavailableReason();
const root = new URL('../../', import.meta.url).pathname;
const lines = (await readFile(join(root, 'models/sentences.csv'), 'utf8')).split('\n');
const dir = await tempDir('sl-resident-');
const csv = join(dir, 'small.csv');
await writeFile(csv, lines.slice(0, 41).join('\n') + '\n');
const model = join(dir, 'model');
await generateModelFolder(model, {
  texts: lines.slice(1, 41).map((l) => l.split(',')[0]!),
  seed: 4,
  config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2 },
});

const base = (out: string, device: 'cpu' | 'webgpu'): TrainOptions => ({
  csv, model, out, device, epochs: 2, batchSize: 8, lr: 5e-3, warmup: 0.2, decay: 'linear', valSplit: 0.2, seed: 7, dropout: 0,
  layerLrDecay: 0.8, maxGradNorm: 0.5,
});

/**
 * Tensors of two checkpoints agree within float32 rounding of the updates. Keys' biases are
 * skipped under AdamW: their true gradient is exactly zero (softmax ignores a constant shift
 * of the scores), so what each device computes for them is rounding noise, which Adam's
 * m/√v scales up to learning-rate-sized steps in a random direction.
 */
async function assertClose(a: string, b: string, files: string[], opts: { skipKeyBias?: boolean } = {}): Promise<number> {
  let worst = 0;
  for (const f of files) {
    const [x, y] = [(await readSafetensors(join(a, f))).tensors, (await readSafetensors(join(b, f))).tensors];
    assert.deepEqual([...x.keys()].sort(), [...y.keys()].sort(), `${f}: same tensors`);
    for (const [n, t] of x) {
      if (opts.skipKeyBias && n.includes('attention.self.key.bias')) continue;
      const u = y.get(n)!.data;
      t.data.forEach((v, i) => {
        const d = Math.abs(v - u[i]!);
        worst = Math.max(worst, d);
        assert.ok(d <= 2e-5 + 2e-5 * Math.abs(v), `${f} ${n}[${i}]: cpu ${v}, webgpu ${u[i]}`);
      });
    }
  }
  return worst;
}

const FULL = ['model.safetensors', 'heads.safetensors', 'training_state.safetensors'];

async function bothDevices(name: string, extra: Partial<TrainOptions>) {
  const cpu = await train({ ...base(join(dir, `${name}-cpu`), 'cpu'), ...extra });
  const gpu = await train({ ...base(join(dir, `${name}-gpu`), 'webgpu'), ...extra });
  assert.equal(cpu.optimizer, 'host-optimizer');
  assert.equal(gpu.optimizer, 'device-resident', 'the backbone trains on a GPU: the state stays there');
  assert.equal(gpu.step, cpu.step);
  assert.ok(Math.abs(gpu.metrics!.loss - cpu.metrics!.loss) < 1e-4, `validation loss: cpu ${cpu.metrics!.loss}, webgpu ${gpu.metrics!.loss}`);
  return { cpu, gpu, cpuDir: join(dir, `${name}-cpu`, 'last'), gpuDir: join(dir, `${name}-gpu`, 'last') };
}

test('GPU-resident training equals the CPU path: full fine-tuning (AdamW, layer-wise LR, clipping)', { skip: noGpu }, async () => {
  const { cpuDir, gpuDir, cpu, gpu } = await bothDevices('full', {});
  await assertClose(cpuDir, gpuDir, FULL, { skipKeyBias: true });
  assert.equal(cpu.transfers.up + cpu.transfers.down, 0, 'the CPU moves nothing over a bus');
  assert.ok(gpu.transfers.up > 0 && gpu.transfers.down > 0);
});

test('GPU-resident training equals the CPU path: bottom:1 with gradient accumulation', { skip: noGpu }, async () => {
  const { cpuDir, gpuDir } = await bothDevices('bottom', { freeze: 'bottom:1', gradAccum: 2 });
  await assertClose(cpuDir, gpuDir, FULL, { skipKeyBias: true });
  // The frozen layer and embeddings are bit-identical to the model's.
  const start = (await readSafetensors(join(model, 'model.safetensors'))).tensors;
  const after = (await readSafetensors(join(gpuDir, 'model.safetensors'))).tensors;
  for (const [n, t] of start) {
    if (!/^(embeddings|encoder\.layer\.0)\./.test(n.replace(/^bert\./, ''))) continue;
    assert.deepEqual(after.get(n)!.data, t.data, `${n} is frozen`);
  }
});

test('GPU-resident training equals the CPU path: SGD with weight decay, accumulation over a short last window', { skip: noGpu }, async () => {
  // 32 training rows in batches of 8 with 3 per step: the epoch's last window has one batch.
  const { cpuDir, gpuDir } = await bothDevices('sgd', { optimizer: 'sgd', lr: 0.05, weightDecay: 0.01, gradAccum: 3 });
  await assertClose(cpuDir, gpuDir, FULL);
});

test('a GPU-resident run cancelled mid-epoch writes a checkpoint that loads, and resumed on the GPU ends where the CPU run ends', { skip: noGpu }, async () => {
  const cpu = await train(base(join(dir, 'resume-cpu'), 'cpu'));
  const controller = new AbortController();
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'progress' && e.phase === 'training' && e.step >= 3) controller.abort();
  };
  const cut = await train(base(join(dir, 'resume-gpu'), 'webgpu'), { signal: controller.signal, onEvent, progressIntervalMs: 0 });
  assert.equal(cut.status, 'cancelled');
  assert.equal(cut.step, 3);
  assert.equal(cut.optimizer, 'device-resident');
  // The mid-run checkpoint is a model folder inference can load.
  const mid = await SentenceModel.load(join(dir, 'resume-gpu', 'last'), { device: 'cpu' });
  const [r] = await mid.run(['The soup was warm.']);
  assert.equal(r!.embedding.length, 16);
  assert.ok(Object.keys(r!.tasks).length > 0, 'the checkpoint carries its heads');
  await mid.release();
  const resumed = await train({ resume: join(dir, 'resume-gpu') });
  assert.equal(resumed.status, 'completed');
  assert.equal(resumed.optimizer, 'device-resident', 'the resumed run keeps the device it was saved with');
  assert.equal(resumed.step, cpu.step);
  await assertClose(join(dir, 'resume-cpu', 'last'), join(dir, 'resume-gpu', 'last'), FULL, { skipKeyBias: true });
});
