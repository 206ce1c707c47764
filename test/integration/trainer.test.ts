/** The training loop on a tiny generated model: resume, cancellation, early stopping, freeze=all. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { train, type TrainResult } from '../../src/engine/train/trainer.js';
import type { TrainOptions } from '../../src/engine/train/trainer-options.js';
import type { TrainEvent } from '../../src/engine/train/events.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { tempDir } from '../support/model-folder.js';

const root = new URL('../../', import.meta.url).pathname;
const lines = (await readFile(join(root, 'models/sentences.csv'), 'utf8')).split('\n');
const dir = await tempDir('sl-trainer-');
const csv = join(dir, 'small.csv');
await writeFile(csv, lines.slice(0, 49).join('\n') + '\n');
const model = join(dir, 'model');
await generateModelFolder(model, {
  texts: lines.slice(1, 49).map((l) => l.split(',')[0]!),
  seed: 3,
  config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 },
});

const base = (out: string): TrainOptions => ({
  csv, model, out, device: 'cpu', epochs: 2, batchSize: 8, gradAccum: 2, lr: 5e-3, warmup: 0.2, decay: 'cosine', valSplit: 0.2, seed: 11, evalEvery: 2,
  layerLrDecay: 0.8, maxGradNorm: 0.5,
});

/** Aborts once `step` steps are done (every progress event goes out with interval 0). */
function stopAt(step: number) {
  const controller = new AbortController();
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'progress' && e.phase === 'training' && e.step >= step) controller.abort();
  };
  return { signal: controller.signal, onEvent, progressIntervalMs: 0 };
}

async function tensors(folder: string, file: string) {
  return (await readSafetensors(join(folder, file))).tensors;
}

async function assertSameWeights(a: string, b: string, files: string[]) {
  for (const f of files) {
    const [x, y] = [await tensors(a, f), await tensors(b, f)];
    assert.deepEqual([...x.keys()], [...y.keys()]);
    for (const [n, t] of x) {
      const u = y.get(n)!.data;
      t.data.forEach((v, i) => assert.ok(Math.abs(v - u[i]!) <= 1e-6 * Math.max(1, Math.abs(v)), `${f} ${n}[${i}]: ${v} vs ${u[i]}`));
    }
  }
}

test('a run cancelled after step k and resumed ends where an uninterrupted run ends (dropout, shuffling, accumulation on)', async () => {
  const full = await train(base(join(dir, 'full')));
  assert.equal(full.status, 'completed');
  assert.equal(full.step, full.totalSteps);
  // 38 training rows, batches of 8, 2 per step: 3 steps per epoch, so step 2 is mid-epoch.
  const cut = await train(base(join(dir, 'cut')), stopAt(2));
  assert.equal(cut.status, 'cancelled');
  assert.equal(cut.step, 2);
  assert.match(cut.message!, /resume/);
  const state = JSON.parse(await readFile(join(dir, 'cut', 'last', 'training_state.json'), 'utf8'));
  assert.deepEqual(state.position, { step: 2, epoch: 0, batchInEpoch: 4 });
  const resumed = await train({ resume: join(dir, 'cut') });
  assert.equal(resumed.status, 'completed');
  assert.equal(resumed.step, full.step);
  await assertSameWeights(join(dir, 'full', 'last'), join(dir, 'cut', 'last'), ['model.safetensors', 'heads.safetensors', 'training_state.safetensors']);
  assert.deepEqual(resumed.history.evals.map((e) => e.step), full.history.evals.map((e) => e.step));
  assert.ok(Math.abs(resumed.metrics!.loss - full.metrics!.loss) < 1e-5);
  // JSON all the way through.
  assert.deepEqual(JSON.parse(JSON.stringify(full)), full);
});

test('freeze=backbone writes heads-only checkpoints naming their base, and resumes from them', async () => {
  const opts = { ...base(join(dir, 'heads-full')), freeze: 'backbone' };
  const full = await train(opts);
  assert.equal(full.runner, 'heads-only', 'a frozen backbone trains on cached pooled vectors');
  const files = ['heads.safetensors', 'tasks.json', 'training_state.json', 'training_state.safetensors'];
  assert.deepEqual(files.filter((f) => existsSync(join(full.last!.dir, f))), files);
  assert.ok(!existsSync(join(full.last!.dir, 'model.safetensors')));
  const tasks = JSON.parse(await readFile(join(full.last!.dir, 'tasks.json'), 'utf8'));
  assert.equal(tasks.base.path, model);
  assert.deepEqual(tasks.tasks.map((t: { name: string }) => t.name), ['topic', 'sentiment']);
  const cut = await train({ ...opts, out: join(dir, 'heads-cut') }, stopAt(2));
  assert.equal(cut.status, 'cancelled');
  await train({ resume: join(dir, 'heads-cut', 'last') });
  await assertSameWeights(full.last!.dir, join(dir, 'heads-cut', 'last'), ['heads.safetensors', 'training_state.safetensors']);
});

test('cancellation before the end saves the last checkpoint and says it was cancelled', async () => {
  const events: TrainEvent[] = [];
  const { signal, onEvent } = stopAt(1);
  const r: TrainResult = await train({ ...base(join(dir, 'cancel')), evalEvery: 0 }, { signal, progressIntervalMs: 0, onEvent: (e) => (events.push(e), onEvent(e)) });
  assert.equal(r.status, 'cancelled');
  assert.equal(r.step, 1);
  assert.equal(r.last?.step, 1);
  assert.ok(existsSync(join(r.last!.dir, 'model.safetensors')));
  assert.ok(events.some((e) => e.type === 'checkpoint' && e.kind === 'last'));
  assert.deepEqual(new Set(events.filter((e) => e.type === 'progress').map((e) => (e as { phase: string }).phase)), new Set(['tokenizing', 'training', 'saving']));
});

test('early stopping stops after `patience` evaluations without a lower validation loss', async () => {
  // lr 0: the validation loss never moves, so every evaluation after the first fails to improve.
  const r = await train({ ...base(join(dir, 'early')), lr: 0, evalEvery: 1, patience: 2, epochs: 5 });
  assert.equal(r.status, 'early-stopped');
  assert.equal(r.step, 3);
  assert.deepEqual(r.history.evals.map((e) => e.step), [1, 2, 3]);
  assert.equal(r.best?.step, 1);
  assert.ok(existsSync(join(dir, 'early', 'best', 'heads.safetensors')));
});

test('freeze=all says nothing trains and only evaluates, over every row', async () => {
  const messages: string[] = [];
  const r = await train({ ...base(join(dir, 'all')), freeze: 'all' }, { onEvent: (e) => e.type === 'message' && messages.push(e.message) });
  assert.equal(r.status, 'evaluated-only');
  assert.match(r.message!, /nothing will train/);
  assert.ok(messages.some((m) => /nothing will train/.test(m)));
  assert.equal(r.metrics!.examples, 48);
  assert.equal(r.last, null);
  assert.ok(!existsSync(join(dir, 'all')));
});

test('resuming on a CSV whose rows changed warns that the run will not match', async () => {
  const copy = join(dir, 'changing.csv');
  await writeFile(copy, await readFile(csv, 'utf8'));
  const cut = await train({ ...base(join(dir, 'changing')), csv: copy, freeze: 'backbone' }, stopAt(1));
  assert.equal(cut.status, 'cancelled');
  const text = await readFile(copy, 'utf8');
  await writeFile(copy, text.replace(/,positive\n/, ',negative\n'));
  const warnings: string[] = [];
  await train({ resume: join(dir, 'changing') }, { onEvent: (e) => e.type === 'message' && e.level === 'warning' && warnings.push(e.message) });
  assert.ok(warnings.some((w) => /rows differ from those the interrupted run trained on/.test(w)), warnings.join('\n'));
});
