import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceModel } from '../../src/engine/inference.js';
import { loadModelFolder } from '../../src/engine/model/load.js';
import { readSafetensors, writeSafetensors } from '../../src/engine/weights/safetensors.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { modelWithHeads } from '../support/model-folder.js';

const TEXTS = ['A warm bowl of ramen.', 'The referee stopped the game.'];

async function embed(dir: string): Promise<Float32Array[]> {
  const m = await SentenceModel.load(dir, { device: 'cpu' });
  try {
    return (await m.run(TEXTS)).map((r) => r.embedding);
  } finally {
    await m.release();
  }
}

async function rejectsWith(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SentenceLensError, `expected a SentenceLensError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" should mention "${f}"`);
    return true;
  });
}

test('weights load with or without the bert. prefix, ignoring cls.* tensors and an absent pooler', async () => {
  const plain = await modelWithHeads({ seed: 21 });
  const prefixed = await modelWithHeads({ seed: 21, prefixed: true, extraTensors: true, pooler: false });
  const names = [...(await readSafetensors(join(prefixed, 'model.safetensors'))).tensors.keys()];
  assert.ok(names.every((n) => n.startsWith('bert.') || n.startsWith('cls.')));
  assert.ok(names.some((n) => n.startsWith('cls.')));
  assert.ok(!names.some((n) => n.includes('pooler')));
  assert.deepEqual(await embed(prefixed), await embed(plain));
});

test('missing files are named', async () => {
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json']) {
    const dir = await modelWithHeads();
    await rm(join(dir, file));
    await rejectsWith(loadModelFolder(dir), 'MISSING_FILE', file);
  }
  await rejectsWith(loadModelFolder('/no/such/model'), 'MISSING_FILE', '/no/such/model');
});

async function rewriteWeights(dir: string, edit: (m: Map<string, { shape: number[]; data: Float32Array }>) => void): Promise<void> {
  const path = join(dir, 'model.safetensors');
  const { tensors } = await readSafetensors(path);
  const m = new Map([...tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
  edit(m);
  await writeSafetensors(path, m);
}

test('a missing tensor or one of the wrong shape is named, with expected and found shapes', async () => {
  const missing = await modelWithHeads();
  await rewriteWeights(missing, (m) => m.delete('encoder.layer.1.attention.self.key.bias'));
  await rejectsWith(loadModelFolder(missing), 'MISSING_TENSOR', 'encoder.layer.1.attention.self.key.bias', '[32]');

  const wrong = await modelWithHeads();
  await rewriteWeights(wrong, (m) => m.set('encoder.layer.0.intermediate.dense.weight', { shape: [64, 16], data: new Float32Array(64 * 16) }));
  await rejectsWith(loadModelFolder(wrong), 'BAD_TENSOR_SHAPE', 'encoder.layer.0.intermediate.dense.weight', '[64, 16]', '[64, 32]');
});

test('an unsupported architecture, activation or dtype is refused with a reason', async () => {
  const edit = async (patch: Record<string, unknown>) => {
    const dir = await modelWithHeads();
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ ...JSON.parse(await readFile(path, 'utf8')), ...patch }));
    return dir;
  };
  await rejectsWith(loadModelFolder(await edit({ model_type: 'gpt2', architectures: ['GPT2Model'] })), 'UNSUPPORTED', 'gpt2');
  await rejectsWith(loadModelFolder(await edit({ architectures: ['T5Model'] })), 'UNSUPPORTED', 'T5Model');
  await rejectsWith(loadModelFolder(await edit({ hidden_act: 'relu' })), 'UNSUPPORTED', 'relu');
  await rejectsWith(loadModelFolder(await edit({ hidden_size: 30 })), 'BAD_CONFIG', 'num_attention_heads');

  // An integer tensor where a float weight is expected.
  const dir = await modelWithHeads();
  const path = join(dir, 'model.safetensors');
  const bytes = await readFile(path);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8'));
  header['embeddings.LayerNorm.bias'].dtype = 'I32';
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([len, Buffer.from(json), bytes.subarray(8 + headerLen)]));
  await rejectsWith(loadModelFolder(dir), 'UNSUPPORTED', 'embeddings.LayerNorm.bias', 'I32');
});
