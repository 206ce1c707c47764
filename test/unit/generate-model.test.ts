import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModelFolder, readBundledSentences } from '../../src/engine/model/generate.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { SentenceTokenizer } from '../../src/engine/tokenizer.js';
import { SentenceLensError } from '../../src/engine/errors.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sl-gen-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt'];

/** The HF BertModel state-dict keys of a 2-layer model with pooler, written out in full. */
const BERT_2_LAYER_KEYS = [
  'embeddings.LayerNorm.bias',
  'embeddings.LayerNorm.weight',
  'embeddings.position_embeddings.weight',
  'embeddings.token_type_embeddings.weight',
  'embeddings.word_embeddings.weight',
  'encoder.layer.0.attention.output.LayerNorm.bias',
  'encoder.layer.0.attention.output.LayerNorm.weight',
  'encoder.layer.0.attention.output.dense.bias',
  'encoder.layer.0.attention.output.dense.weight',
  'encoder.layer.0.attention.self.key.bias',
  'encoder.layer.0.attention.self.key.weight',
  'encoder.layer.0.attention.self.query.bias',
  'encoder.layer.0.attention.self.query.weight',
  'encoder.layer.0.attention.self.value.bias',
  'encoder.layer.0.attention.self.value.weight',
  'encoder.layer.0.intermediate.dense.bias',
  'encoder.layer.0.intermediate.dense.weight',
  'encoder.layer.0.output.LayerNorm.bias',
  'encoder.layer.0.output.LayerNorm.weight',
  'encoder.layer.0.output.dense.bias',
  'encoder.layer.0.output.dense.weight',
  'encoder.layer.1.attention.output.LayerNorm.bias',
  'encoder.layer.1.attention.output.LayerNorm.weight',
  'encoder.layer.1.attention.output.dense.bias',
  'encoder.layer.1.attention.output.dense.weight',
  'encoder.layer.1.attention.self.key.bias',
  'encoder.layer.1.attention.self.key.weight',
  'encoder.layer.1.attention.self.query.bias',
  'encoder.layer.1.attention.self.query.weight',
  'encoder.layer.1.attention.self.value.bias',
  'encoder.layer.1.attention.self.value.weight',
  'encoder.layer.1.intermediate.dense.bias',
  'encoder.layer.1.intermediate.dense.weight',
  'encoder.layer.1.output.LayerNorm.bias',
  'encoder.layer.1.output.LayerNorm.weight',
  'encoder.layer.1.output.dense.bias',
  'encoder.layer.1.output.dense.weight',
  'pooler.dense.bias',
  'pooler.dense.weight',
];

test('same seed gives byte-identical files', async () => {
  await withDir(async (dir) => {
    await generateModelFolder(join(dir, 'a'), { seed: 7, extraTensors: true, randomLayerNorm: true });
    await generateModelFolder(join(dir, 'b'), { seed: 7, extraTensors: true, randomLayerNorm: true });
    assert.deepEqual((await readdir(join(dir, 'a'))).sort(), FILES);
    for (const f of FILES) {
      assert.ok((await readFile(join(dir, 'a', f))).equals(await readFile(join(dir, 'b', f))), `${f} differs`);
    }
  });
});

test('different seed gives different weights but the same vocabulary', async () => {
  await withDir(async (dir) => {
    await generateModelFolder(join(dir, 'a'), { seed: 1 });
    await generateModelFolder(join(dir, 'b'), { seed: 2 });
    const a = (await readSafetensors(join(dir, 'a', 'model.safetensors'))).tensors;
    const b = (await readSafetensors(join(dir, 'b', 'model.safetensors'))).tensors;
    const name = 'encoder.layer.0.attention.self.query.weight';
    assert.notDeepEqual([...a.get(name)!.data], [...b.get(name)!.data]);
    assert.ok((await readFile(join(dir, 'a', 'vocab.txt'))).equals(await readFile(join(dir, 'b', 'vocab.txt'))));
  });
});

test('exact key set and shapes of a 2-layer model, with and without the bert. prefix', async () => {
  await withDir(async (dir) => {
    await generateModelFolder(join(dir, 'plain'), { seed: 3 });
    await generateModelFolder(join(dir, 'prefixed'), { seed: 3, prefixed: true });
    const plain = (await readSafetensors(join(dir, 'plain', 'model.safetensors'))).tensors;
    const prefixed = (await readSafetensors(join(dir, 'prefixed', 'model.safetensors'))).tensors;
    assert.deepEqual([...plain.keys()].sort(), BERT_2_LAYER_KEYS);
    assert.deepEqual([...prefixed.keys()].sort(), BERT_2_LAYER_KEYS.map((k) => `bert.${k}`));

    const config = JSON.parse(await readFile(join(dir, 'plain', 'config.json'), 'utf8'));
    const V = config.vocab_size;
    const shape = (n: string): number[] => plain.get(n)!.shape;
    assert.deepEqual(shape('embeddings.word_embeddings.weight'), [V, 32]);
    assert.deepEqual(shape('embeddings.position_embeddings.weight'), [128, 32]);
    assert.deepEqual(shape('embeddings.token_type_embeddings.weight'), [2, 32]);
    assert.deepEqual(shape('encoder.layer.1.intermediate.dense.weight'), [64, 32]);
    assert.deepEqual(shape('encoder.layer.1.intermediate.dense.bias'), [64]);
    assert.deepEqual(shape('encoder.layer.1.output.dense.weight'), [32, 64]);
    assert.deepEqual(shape('encoder.layer.1.output.dense.bias'), [32]);
    assert.deepEqual(shape('pooler.dense.weight'), [32, 32]);

    // Biases are non-zero; LayerNorm starts at identity unless randomised.
    assert.ok(plain.get('encoder.layer.0.attention.self.query.bias')!.data.some((x) => x !== 0));
    assert.ok(plain.get('embeddings.LayerNorm.weight')!.data.every((x) => x === 1));
    assert.ok(plain.get('embeddings.LayerNorm.bias')!.data.every((x) => x === 0));
  });
});

test('options: no pooler, extra tensors, random LayerNorm, custom config', async () => {
  await withDir(async (dir) => {
    await generateModelFolder(dir, {
      seed: 4,
      pooler: false,
      extraTensors: true,
      randomLayerNorm: true,
      prefixed: true,
      config: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 40 },
    });
    const t = (await readSafetensors(join(dir, 'model.safetensors'))).tensors;
    assert.ok(!t.has('bert.pooler.dense.weight'));
    assert.ok(t.has('cls.predictions.bias'));
    assert.ok(t.has('cls.predictions.transform.dense.weight'));
    assert.ok(!t.has('bert.encoder.layer.1.output.dense.weight'));
    assert.deepEqual(t.get('bert.encoder.layer.0.intermediate.dense.weight')!.shape, [24, 16]);
    assert.deepEqual(t.get('bert.embeddings.position_embeddings.weight')!.shape, [40, 16]);
    assert.ok(t.get('bert.embeddings.LayerNorm.weight')!.data.some((x) => x !== 1));
    const tc = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
    assert.equal(tc.model_max_length, 40);
    assert.equal(tc.tokenizer_class, 'BertTokenizer');
  });
});

test('config.vocab_size equals the vocab.txt line count and the embedding rows', async () => {
  await withDir(async (dir) => {
    for (const [name, opts] of [
      ['default', {}],
      ['sized', { vocabSize: 400 }],
      ['texts', { texts: ['Hello, world!', 'Hello again.'], lowercase: false }],
    ] as const) {
      const d = join(dir, name);
      await generateModelFolder(d, opts);
      const config = JSON.parse(await readFile(join(d, 'config.json'), 'utf8'));
      const lines = (await readFile(join(d, 'vocab.txt'), 'utf8')).split('\n').filter((l) => l.length > 0);
      assert.equal(config.vocab_size, lines.length, name);
      assert.deepEqual(lines.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
      const t = (await readSafetensors(join(d, 'model.safetensors'))).tensors;
      assert.equal(t.get('embeddings.word_embeddings.weight')!.shape[0], lines.length);
      if (name === 'sized') assert.equal(lines.length, 400);
      if (name === 'texts') {
        assert.ok(lines.includes('Hello') && lines.includes('##H') && lines.includes('!'));
        assert.ok(!lines.includes('hello'), 'lowercase: false keeps case');
      }
    }
  });
});

test('tokenizer.json loads in SentenceTokenizer and agrees with vocab.txt', async () => {
  await withDir(async (dir) => {
    await generateModelFolder(dir, { seed: 5 });
    const tok = await SentenceTokenizer.load(dir);
    const lines = (await readFile(join(dir, 'vocab.txt'), 'utf8')).split('\n').filter((l) => l.length > 0);
    assert.equal(tok.vocabSize, lines.length);
    const { ids } = tok.encode(['the library'], 16);
    assert.deepEqual(ids[0], [2, lines.indexOf('the'), lines.indexOf('library'), 3]);
  });
});

test('a vocabulary size too small for the characters is refused', async () => {
  await withDir(async (dir) => {
    await assert.rejects(generateModelFolder(dir, { vocabSize: 10 }), (e: unknown) => {
      return e instanceof SentenceLensError && e.code === 'BAD_ARGUMENT' && /vocabSize 10/.test(e.message);
    });
  });
});

test('readBundledSentences reads the sentence column and reports a missing file', async () => {
  await withDir(async (dir) => {
    await assert.rejects(readBundledSentences(dir), (e: unknown) => {
      return e instanceof SentenceLensError && e.code === 'MISSING_FILE' && e.message.includes('sentences.csv');
    });
    await mkdir(join(dir, 'models'));
    await writeFile(join(dir, 'models', 'sentences.csv'), 'sentence,topic\n"Hello, there.",a\n\n  Second one ,b\n');
    assert.deepEqual(await readBundledSentences(dir), ['Hello, there.', 'Second one']);
    await writeFile(join(dir, 'models', 'sentences.csv'), 'text,topic\nx,y\n');
    await assert.rejects(readBundledSentences(dir), (e: unknown) => {
      return e instanceof SentenceLensError && e.code === 'BAD_CSV' && /"sentence" column/.test(e.message);
    });
  });
});
