/**
 * Masked-LM pretraining on a GPU keeps its state there too (WebGPU; lavapipe in CI): the same
 * step engine as fine-tuning, built over the MLM graphs, with the optimizer update inside the
 * training graph. Same seed, dropout off: a GPU run ends where the CPU run ends (checkpoints
 * compared tensor by tensor), only the batch crosses the bus each step, and a run cancelled on
 * the GPU resumes there and still ends where the CPU run ends.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { type PretrainOptions, pretrain, resolvePretrainOptions } from '../../src/engine/pretrain/index.js';
import { mlmBatch } from '../../src/engine/pretrain/mlm-data.js';
import { mlmGraphs } from '../../src/engine/pretrain/mlm-runner.js';
import { maskOptions } from '../../src/engine/pretrain/pretrain-data.js';
import { preparePretrain } from '../../src/engine/pretrain/pretrain-setup.js';
import { Rng } from '../../src/engine/random.js';
import { webgpuUnavailableReason } from '../../src/engine/runtime/device.js';
import { tensorBytes } from '../../src/engine/runtime/transfers.js';
import { createGraphEngine } from '../../src/engine/train/trainer-engine.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { tempDir } from '../support/model-folder.js';

const noGpu = await webgpuUnavailableReason();
const dir = await tempDir('sl-pretrain-gpu-');
after(async () => rm(dir, { recursive: true, force: true }));

/** Sentences from a small grammar (as pretrain.test.ts): the masked words are predictable. */
function toyCorpus(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)]!;
  const pairs = [['cat', 'meows'], ['dog', 'barks'], ['cow', 'moos'], ['bird', 'sings']] as const;
  return Array.from({ length: n }, () => {
    const [animal, sound] = pick(pairs);
    return `the ${pick(['small', 'big', 'old'])} ${animal} ${sound} ${pick(['in the garden', 'on the farm', 'at night'])} .`;
  });
}

const texts = toyCorpus(120, 1);
const corpus = join(dir, 'corpus.txt');
await writeFile(corpus, texts.join('\n') + '\n');
const model = join(dir, 'model');
await generateModelFolder(model, { texts, seed: 2, config: { hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32 } });

const options = (out: string, device: 'cpu' | 'webgpu', extra: Partial<PretrainOptions> = {}): PretrainOptions => ({
  files: [corpus], model, out: join(dir, out), device, maxLength: 24, batchSize: 8, maxSteps: 8, lr: 2e-3, warmup: 0.2,
  valSplit: 0.1, evalEvery: 4, seed: 3, dropout: 0, ...extra,
});

/**
 * Tensors of two checkpoints agree within float32 rounding of the updates. Keys' biases are
 * skipped: their true gradient is exactly zero (softmax ignores a constant shift of the
 * scores), so each device's value is rounding noise that Adam's m/√v scales up.
 */
async function assertClose(a: string, b: string): Promise<void> {
  for (const f of ['model.safetensors', 'training_state.safetensors']) {
    const [x, y] = [(await readSafetensors(join(a, f))).tensors, (await readSafetensors(join(b, f))).tensors];
    assert.deepEqual([...x.keys()].sort(), [...y.keys()].sort(), `${f}: same tensors`);
    for (const [n, t] of x) {
      if (n.includes('attention.self.key.bias')) continue;
      const u = y.get(n)!.data;
      t.data.forEach((v, i) => {
        assert.ok(Math.abs(v - u[i]!) <= 2e-5 + 2e-5 * Math.abs(v), `${f} ${n}[${i}]: cpu ${v}, webgpu ${u[i]}`);
      });
    }
  }
}

test('masked-LM pretraining on the GPU keeps its state there and ends where the CPU run ends (with accumulation)', { skip: noGpu }, async () => {
  const cpu = await pretrain(options('acc-cpu', 'cpu', { gradAccum: 2 }));
  const gpu = await pretrain(options('acc-gpu', 'webgpu', { gradAccum: 2 }));
  assert.equal(cpu.optimizer, 'host-optimizer');
  assert.equal(gpu.optimizer, 'device-resident', 'pretraining on a GPU keeps weights and moments there');
  assert.equal(gpu.step, cpu.step);
  assert.ok(Math.abs(gpu.metrics!.loss - cpu.metrics!.loss) < 1e-4, `validation loss: cpu ${cpu.metrics!.loss}, webgpu ${gpu.metrics!.loss}`);
  assert.equal(gpu.metrics!.mlm!.predictions, cpu.metrics!.mlm!.predictions);
  await assertClose(cpu.last!.dir, gpu.last!.dir);
  assert.ok(gpu.transfers.up > 0 && gpu.transfers.down > 0);
  assert.equal(cpu.transfers.up + cpu.transfers.down, 0, 'the CPU moves nothing over a bus');
});

test('per masked-LM step on the GPU only the batch goes up and only the losses and the norm come down', { skip: noGpu }, async () => {
  const o = resolvePretrainOptions(options('bytes', 'webgpu'));
  const setup = await preparePretrain(o, {}, {});
  const graphs = mlmGraphs({ config: setup.model.config, params: setup.params, shapes: setup.shapes, device: 'webgpu' });
  const weightBytes = setup.params.count().trainable * 4;
  for (const gradAccum of [1, 2]) {
    const engine = await createGraphEngine(graphs, { ...o, gradAccum }, setup.model.config.numLayers, {});
    assert.equal(engine.kind, 'device-resident');
    for (let s = 0; s < 3; s++) {
      const window = Array.from({ length: gradAccum }, (_, i) => mlmBatch(setup.train, [0, 1, 2, 3].map((k) => (4 * (s * gradAccum + i) + k) % setup.train.length), o.seed, 0, setup.ids, maskOptions(o)));
      const batchBytes = window.reduce((sum, b) => sum + Object.values(graphs.feeds(b)).reduce((x, t) => x + tensorBytes(t), 0), 0);
      const r = await engine.step(window, window.map(() => 0), 1e-3);
      const moved = r.transfers.up + r.transfers.down;
      assert.ok(r.transfers.up >= batchBytes, `the batch itself goes up (${r.transfers.up} of ${batchBytes} bytes)`);
      assert.ok(moved <= 2 * batchBytes + 4096, `step ${s} (accumulation ${gradAccum}): ${moved} bytes moved, batch ${batchBytes}`);
      assert.ok(moved < weightBytes / 4, `far less than the ${weightBytes} bytes of trainable weights`);
    }
    await engine.release();
  }
});

test('a GPU pretraining run cancelled mid-way resumes on the GPU and ends where the CPU run ends', { skip: noGpu }, async () => {
  const cpu = await pretrain(options('resume-cpu', 'cpu'));
  const controller = new AbortController();
  const cut = await pretrain(options('resume-gpu', 'webgpu'), {
    signal: controller.signal, progressIntervalMs: 0,
    onEvent: (e) => { if (e.type === 'progress' && e.phase === 'training' && e.step >= 3) controller.abort(); },
  });
  assert.equal(cut.status, 'cancelled');
  assert.equal(cut.step, 3);
  const resumed = await pretrain({ resume: join(dir, 'resume-gpu') });
  assert.equal(resumed.status, 'completed');
  assert.equal(resumed.optimizer, 'device-resident', 'the resumed run keeps the device it was saved with');
  assert.equal(resumed.step, cpu.step);
  await assertClose(cpu.last!.dir, resumed.last!.dir);
});
