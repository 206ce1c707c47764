import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SentenceModel } from '../../src/engine/inference.js';
import { buildInferenceGraph } from '../../src/engine/model/inference-graph.js';
import { loadModelFolder } from '../../src/engine/model/load.js';
import { createSession, ort } from '../../src/engine/runtime/session.js';
import { webgpuUnavailableReason } from '../../src/engine/runtime/device.js';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { modelWithHeads } from '../support/model-folder.js';
import { skipUnlessCi } from '../support/webgpu.js';

const SENTENCES = [
  'The soup was cold and bland.',
  'What a fantastic goal in the final minute!',
  'I could not put this novel down; the last chapter kept me up until three in the morning.',
  'Pasta again?',
  'Our team lost badly.',
  'Reading on the train is my favourite part of the day, especially with a good mystery.',
];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('padding does not change a sentence embedding (alone vs in a batch with longer ones)', async () => {
  const dir = await modelWithHeads();
  const model = await loadModelFolder(dir);
  const graph = buildInferenceGraph(model.config, model.backbone, model.heads!.weights, { pooling: 'mean', normalize: false, tasks: model.heads!.tasksFile.tasks });
  const session = await createSession(graph.toBytes(), 'cpu');
  const { ids } = model.tokenizer.encode(SENTENCES, 128);
  const run = async (rows: number[][]) => {
    const b = SentenceTokenizer.pad(rows, model.tokenizer.padId);
    const shape = [b.batch, b.seqLen];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', b.inputIds, shape),
      attention_mask: new ort.Tensor('int64', b.attentionMask, shape),
      token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, shape),
    });
    return out['sentence_embedding']!.data as Float32Array;
  };
  const alone = await run([ids[3]!]);
  const batched = await run(ids);
  const H = model.config.hiddenSize;
  assert.ok(ids[2]!.length > ids[3]!.length + 10, 'the batch must pad the short sentence');
  const d = maxDiff(alone, batched.subarray(3 * H, 4 * H));
  assert.ok(d < 1e-5, `embedding changed by ${d} when padded`);
  await session.release();
});

test('results do not depend on batch order or batch size, and runs are deterministic', async () => {
  const dir = await modelWithHeads();
  const a = await SentenceModel.load(dir, { device: 'cpu', batchSize: 4 });
  const b = await SentenceModel.load(dir, { device: 'cpu', batchSize: 1 });
  const order = [5, 2, 0, 4, 1, 3];
  const first = await a.run(SENTENCES);
  const again = await a.run(SENTENCES);
  const shuffled = await a.run(order.map((i) => SENTENCES[i]!));
  const single = await b.run(SENTENCES);
  first.forEach((r, i) => {
    assert.deepEqual(again[i]!.embedding, r.embedding, 'same input, same bytes');
    const j = order.indexOf(i);
    assert.ok(maxDiff(shuffled[j]!.embedding, r.embedding) < 1e-5, `sentence ${i} moved and changed`);
    assert.ok(maxDiff(single[i]!.embedding, r.embedding) < 1e-5, `sentence ${i} differs at batch size 1`);
    assert.deepEqual(Object.keys(r.tasks), ['topic', 'sentiment']);
    assert.equal(shuffled[j]!.tasks['topic']!.label, r.tasks['topic']!.label);
    const p = Object.values(r.tasks['topic']!.probs).reduce((s, x) => s + x, 0);
    assert.ok(Math.abs(p - 1) < 1e-5, 'probabilities sum to 1');
  });
  // Different sentences must give different outputs, or the comparisons above prove nothing.
  assert.ok(maxDiff(Object.values(first[0]!.tasks['topic']!.probs), Object.values(first[1]!.tasks['topic']!.probs)) > 1e-4);
  assert.ok(maxDiff(first[0]!.embedding, first[1]!.embedding) > 1e-2);
  await a.release();
  await b.release();
});

test('normalize gives unit vectors; cls pooling differs from mean pooling', async () => {
  const dir = await modelWithHeads();
  const norm = await SentenceModel.load(dir, { device: 'cpu', normalize: true });
  const cls = await SentenceModel.load(dir, { device: 'cpu', pooling: 'cls' });
  const mean = await SentenceModel.load(dir, { device: 'cpu' });
  const [n] = await norm.run([SENTENCES[0]!]);
  const len = Math.hypot(...n!.embedding);
  assert.ok(Math.abs(len - 1) < 1e-5, `norm ${len}`);
  const [c] = await cls.run([SENTENCES[0]!]);
  const [m] = await mean.run([SENTENCES[0]!]);
  assert.ok(maxDiff(c!.embedding, m!.embedding) > 1e-3);
  for (const x of [norm, cls, mean]) await x.release();
});

test('truncation to the max length is reported per sentence', async () => {
  const dir = await modelWithHeads();
  const probe = await SentenceModel.load(dir, { device: 'cpu' });
  const shortLength = probe.tokenizer.encode(['Pasta again?'], 512).ids[0]!.length;
  await probe.release();
  const model = await SentenceModel.load(dir, { device: 'cpu', maxLength: shortLength });
  const [short, long] = await model.run(['Pasta again?', SENTENCES[2]!]);
  assert.equal(short!.truncated, false);
  assert.equal(long!.truncated, true);
  await model.release();
});

test('WebGPU computes what the CPU computes', async (t) => {
  const why = await webgpuUnavailableReason();
  if (why) {
    skipUnlessCi(t, why);
    return;
  }
  const dir = await modelWithHeads();
  const cpu = await SentenceModel.load(dir, { device: 'cpu' });
  const gpu = await SentenceModel.load(dir, { device: 'webgpu' });
  assert.equal(gpu.device, 'webgpu');
  const a = await cpu.run(SENTENCES);
  const b = await gpu.run(SENTENCES);
  a.forEach((r, i) => {
    const d = maxDiff(r.embedding, b[i]!.embedding);
    assert.ok(d < 1e-3, `sentence ${i}: webgpu differs from cpu by ${d}`);
    for (const task of ['topic', 'sentiment']) {
      assert.ok(maxDiff(Object.values(r.tasks[task]!.probs), Object.values(b[i]!.tasks[task]!.probs)) < 1e-3);
    }
  });
  await cpu.release();
  await gpu.release();
});
