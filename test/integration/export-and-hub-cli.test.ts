import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { SentenceModel } from '../../src/engine/inference.js';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { exportOnnx } from '../../src/engine/export.js';
import { startLocalHub } from '../support/local-hub.js';
import { runCli } from '../support/run-cli.js';
import { modelWithHeads, tempDir } from '../support/model-folder.js';

const TEXTS = ['Spicy noodles for lunch.', 'What a comeback in the second half!', 'This thriller dragged on.'];

test('export writes one ONNX file that a fresh onnxruntime session runs to the engine\'s outputs', async () => {
  const model = await modelWithHeads();
  const outDir = await tempDir();
  const out = join(outDir, 'lens.onnx');
  const r = await exportOnnx(model, out, { normalize: true });
  assert.deepEqual(r.outputs, ['sentence_embedding', 'topic_probs', 'sentiment_probs']);
  const files = await readdir(outDir);
  for (const f of ['lens.onnx', 'lens.json', 'tokenizer.json', 'tokenizer_config.json']) assert.ok(files.includes(f), f);
  const sidecar = JSON.parse(await readFile(join(outDir, 'lens.json'), 'utf8'));
  assert.deepEqual(sidecar.outputs.topic_probs.labels, ['food', 'sports', 'reading']);
  assert.equal(sidecar.pooling, 'mean');
  assert.equal(sidecar.normalize, true);

  // A consumer with nothing of ours but the tokenizer files beside the model.
  const session = await ort.InferenceSession.create(out);
  assert.deepEqual([...session.inputNames].sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
  assert.deepEqual([...session.outputNames].sort(), ['sentence_embedding', 'sentiment_probs', 'topic_probs']);
  const tok = await SentenceTokenizer.load(outDir);
  const b = SentenceTokenizer.pad(tok.encode(TEXTS, 256).ids, tok.padId);
  const shape = [b.batch, b.seqLen];
  const res = await session.run({
    input_ids: new ort.Tensor('int64', b.inputIds, shape),
    attention_mask: new ort.Tensor('int64', b.attentionMask, shape),
    token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, shape),
  });
  const engine = await SentenceModel.load(model, { device: 'cpu', normalize: true });
  const expected = await engine.run(TEXTS);
  await engine.release();
  const emb = res['sentence_embedding']!.data as Float32Array;
  const topic = res['topic_probs']!.data as Float32Array;
  expected.forEach((e, i) => {
    e.embedding.forEach((x, j) => assert.ok(Math.abs(x - emb[i * 32 + j]!) < 1e-5));
    Object.values(e.tasks['topic']!.probs).forEach((p, j) => assert.ok(Math.abs(p - topic[i * 3 + j]!) < 1e-5));
  });
  await session.release();
});

test('CLI download fetches from the hub (HF_ENDPOINT) into HF_HOME, and --model takes the hub id', async () => {
  const model = await modelWithHeads();
  const hub = await startLocalHub({ 'acme/tiny-bert': { dir: model } });
  const home = await tempDir('sl-hf-');
  const env = { HF_ENDPOINT: hub.endpoint, HF_HOME: home, HF_HUB_OFFLINE: '' };
  try {
    const d = await runCli(['download', 'acme/tiny-bert'], { env });
    assert.equal(d.code, 0, d.stderr);
    const info = JSON.parse(d.stdout);
    assert.equal(info.commit, hub.commitOf('acme/tiny-bert'));
    assert.ok(info.dir.startsWith(join(home, 'hub', 'models--acme--tiny-bert', 'snapshots')));
    assert.match(d.stderr, /downloading/);

    hub.clearLog();
    const offline = await runCli(['embed', '--model', 'acme/tiny-bert', '--device', 'cpu', 'hello'], { env: { ...env, HF_HUB_OFFLINE: '1' } });
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(JSON.parse(offline.stdout).dim, 32);
    assert.equal(hub.requests.length, 0, 'offline use of a cached model makes no request');

    const missing = await runCli(['download', 'acme/nope'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
  } finally {
    await hub.close();
  }
});
