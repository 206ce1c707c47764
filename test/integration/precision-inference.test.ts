/**
 * Reduced-precision inference against fp32 on the bundled sentences with the bundled offline
 * model: int8 on the CPU (labels agree on ≥ 99%, cosine ≥ 0.99), fp16 on WebGPU (labels all
 * equal but fp32's near-ties, cosine ≥ 0.999; lavapipe in CI exposes shader-f16), and the int8 export, as a user
 * runs it: `sentence-lens export --precision int8`, then a plain onnxruntime session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { SentenceModel, type SentenceResult } from '../../src/engine/inference.js';
import { readBundledSentences } from '../../src/engine/model/generate.js';
import { float16UnavailableReason } from '../../src/engine/model/precision.js';
import { webgpuUnavailableReason } from '../../src/engine/runtime/device.js';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/model-folder.js';

const OFFLINE = new URL('../../models/offline', import.meta.url).pathname;
const sentences = await readBundledSentences();
const noFp16 = (await webgpuUnavailableReason()) ?? (await float16UnavailableReason('webgpu'));

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return d / Math.sqrt(na * nb);
}

/** fp32's probability gap between its top two labels: how close to a tie the decision was. */
function margin(probs: Record<string, number>): number {
  const [a = 0, b = 0] = Object.values(probs).sort((x, y) => y - x);
  return a - b;
}

function compare(ref: SentenceResult[], got: SentenceResult[]) {
  let agree = 0;
  let labels = 0;
  /** The fp32 margins of the decisions that changed. */
  const flips: { sentence: string; task: string; margin: number }[] = [];
  const cos = ref.map((r, i) => {
    for (const t of Object.keys(r.tasks)) {
      labels++;
      if (r.tasks[t]!.label === got[i]!.tasks[t]!.label) agree++;
      else flips.push({ sentence: sentences[i]!, task: t, margin: margin(r.tasks[t]!.probs) });
    }
    return cosine(r.embedding, got[i]!.embedding);
  });
  return { agreement: agree / labels, labels, flips, minCos: Math.min(...cos), maxCos: Math.max(...cos) };
}

/**
 * A decision fp32 makes by less than this probability gap is a tie that half precision's
 * rounding (about 1e-3 relative) may legitimately turn either way.
 */
const NEAR_TIE = 0.01;

const fp32 = await (async () => {
  const m = await SentenceModel.load(OFFLINE, { device: 'cpu', precision: 'fp32' });
  const r = await m.run(sentences);
  await m.release();
  return r;
})();

test('int8 on the CPU: labels agree with fp32 on ≥ 99% of the bundled sentences, embeddings within cosine 0.99', async () => {
  const m = await SentenceModel.load(OFFLINE, { device: 'auto', precision: 'int8' });
  assert.equal(m.device, 'cpu', 'int8 with device auto runs on the CPU');
  assert.deepEqual(m.precision, { precision: 'int8' });
  const c = compare(fp32, await m.run(sentences));
  await m.release();
  assert.ok(c.labels >= 1000, `${c.labels} labels compared`);
  assert.ok(c.agreement >= 0.99, `labels agree on ${(100 * c.agreement).toFixed(2)}%`);
  assert.ok(c.minCos >= 0.99, `lowest cosine ${c.minCos}`);
  assert.ok(c.minCos < 0.99999, `the weights really are quantized (lowest cosine ${c.minCos})`);
});

test('fp16 on WebGPU: labels equal fp32 on every bundled sentence but near-ties, embeddings within cosine 0.999', { skip: noFp16 }, async () => {
  const m = await SentenceModel.load(OFFLINE, { device: 'webgpu', precision: 'fp16' });
  assert.deepEqual(m.precision, { precision: 'fp16' });
  const c = compare(fp32, await m.run(sentences));
  await m.release();
  // Every decision fp32 makes clearly, fp16 makes the same; only ties within rounding may differ.
  assert.ok(c.flips.every((f) => f.margin < NEAR_TIE), `fp16 changed clear decisions: ${JSON.stringify(c.flips)}`);
  assert.ok(c.agreement >= 0.999, `labels agree on ${(100 * c.agreement).toFixed(2)}%: ${JSON.stringify(c.flips)}`);
  assert.ok(c.minCos >= 0.999, `lowest cosine ${c.minCos}`);
  assert.ok(c.minCos < 0.9999999, `the graph really computes in half precision (lowest cosine ${c.minCos})`);
});

test('fp16 asked for on the CPU runs fp32 and says why', async () => {
  const log: string[] = [];
  const m = await SentenceModel.load(OFFLINE, { device: 'cpu', precision: 'fp16', log: (s) => log.push(s) });
  assert.equal(m.precision.precision, 'fp32');
  assert.ok(log.some((l) => /precision fallback: fp16 runs on a GPU/.test(l)), log.join('\n'));
  await m.release();
});

test('sentence-lens export --precision int8 writes a smaller file (int8 projections) that plain onnxruntime runs close to fp32', async () => {
  const dir = await tempDir('sl-int8-export-');
  const files = { fp32: join(dir, 'fp32.onnx'), int8: join(dir, 'int8.onnx') };
  for (const [p, out] of Object.entries(files)) {
    const r = await runCli(['export', OFFLINE, '--out', out, '--precision', p]);
    assert.equal(r.code, 0, r.stderr);
  }
  const sidecar = JSON.parse(await readFile(join(dir, 'int8.json'), 'utf8'));
  assert.equal(sidecar.precision, 'int8');
  assert.match(sidecar.int8.weights, /per output channel/);
  const [a, b] = [(await stat(files.fp32)).size, (await stat(files.int8)).size];
  assert.ok(b < 0.7 * a, `int8 file ${b} bytes, fp32 ${a}`);

  const tok = await SentenceTokenizer.load(dir);
  const texts = sentences.slice(0, 40);
  const batch = SentenceTokenizer.pad(tok.encode(texts, 128).ids, tok.padId);
  const shape = [batch.batch, batch.seqLen];
  const feeds = {
    input_ids: new ort.Tensor('int64', batch.inputIds, shape),
    attention_mask: new ort.Tensor('int64', batch.attentionMask, shape),
    token_type_ids: new ort.Tensor('int64', batch.tokenTypeIds, shape),
  };
  const run = async (f: string) => {
    const s = await ort.InferenceSession.create(f);
    const out = await s.run(feeds);
    await s.release();
    return out['sentence_embedding']!.data as Float32Array;
  };
  const [e32, e8] = [await run(files.fp32), await run(files.int8)];
  const H = e32.length / texts.length;
  for (let i = 0; i < texts.length; i++) {
    const c = cosine(e32.subarray(i * H, (i + 1) * H), e8.subarray(i * H, (i + 1) * H));
    assert.ok(c >= 0.99 && c < 1 - 1e-7, `sentence ${i}: cosine ${c}`);
  }
  const bad = await runCli(['export', OFFLINE, '--out', join(dir, 'x.onnx'), '--precision', 'int4']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--precision expects fp32, fp16 or int8, got "int4"/);
});
