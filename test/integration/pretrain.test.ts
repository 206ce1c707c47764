/**
 * `pretrain()` end to end on a toy corpus: the masked-LM loss falls, the checkpoint is a
 * BertForMaskedLM folder that loads as a BertModel and that `train` fine-tunes, a resumed run
 * ends bit-identical to an uninterrupted one, and --new-vocab builds a tokenizer both
 * tokenizer libraries load.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { loadModelFolder } from '../../src/engine/model/load.js';
import { pretrain } from '../../src/engine/pretrain/pretrain.js';
import { Rng } from '../../src/engine/random.js';
import { train } from '../../src/engine/train/trainer.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { tempDir } from '../support/model-folder.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Sentences from a small grammar: the masked words are predictable from their neighbours. */
function toyCorpus(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)]!;
  const pairs = [['cat', 'meows'], ['dog', 'barks'], ['cow', 'moos'], ['bird', 'sings'], ['duck', 'quacks']] as const;
  const places = ['in the garden', 'on the farm', 'by the river', 'at night', 'in the morning'];
  return Array.from({ length: n }, () => {
    const [animal, sound] = pick(pairs);
    return `the ${pick(['small', 'big', 'old', 'young'])} ${animal} ${sound} ${pick(places)} .`;
  });
}

async function setup(): Promise<{ dir: string; corpus: string; model: string }> {
  const dir = await tempDir('sl-pretrain-');
  dirs.push(dir);
  const texts = toyCorpus(400, 1);
  const corpus = join(dir, 'corpus.txt');
  await writeFile(corpus, texts.join('\n') + '\n');
  const model = join(dir, 'model');
  await generateModelFolder(model, { texts, seed: 2, config: { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64 } });
  return { dir, corpus, model };
}

test('the masked-LM loss falls on a toy corpus, and the checkpoint is a BertForMaskedLM folder that train fine-tunes', async () => {
  const { dir, corpus, model } = await setup();
  const out = join(dir, 'run');
  const result = await pretrain({ files: [corpus], model, out, maxLength: 24, batchSize: 16, maxSteps: 120, lr: 2e-3, warmup: 0.1, evalEvery: 40, valSplit: 0.1, seed: 3, device: 'cpu' });
  assert.equal(result.status, 'completed');
  const vocab = (await loadModelFolder(model)).config.vocabSize;
  const evals = result.history.evals.map((e) => e.report);
  assert.ok(evals.length >= 3);
  // An untrained model predicts about uniformly (perplexity ≈ vocabulary size); the grammar allows far less.
  assert.ok(evals[0]!.loss < Math.log(vocab), `first eval ${evals[0]!.loss} vs ln V ${Math.log(vocab)}`);
  const final = evals.at(-1)!;
  assert.ok(final.mlm!.perplexity < 8, `final validation perplexity ${final.mlm!.perplexity}`);
  assert.ok(final.mlm!.accuracy > 0.4, `final masked-token accuracy ${final.mlm!.accuracy}`);
  const trainLog = result.history.train;
  assert.ok(trainLog.at(-1)!.loss < trainLog[0]!.loss - 1.5, `training loss ${trainLog[0]!.loss} → ${trainLog.at(-1)!.loss}`);

  // The folder Python's BertForMaskedLM / BertModel load: prefixed encoder, head, tied decoder not stored.
  const best = result.best!.dir;
  const config = JSON.parse(await readFile(join(best, 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['BertForMaskedLM']);
  const { tensors } = await readSafetensors(join(best, 'model.safetensors'));
  const names = [...tensors.keys()];
  for (const n of ['bert.embeddings.word_embeddings.weight', 'bert.encoder.layer.1.output.LayerNorm.bias', 'cls.predictions.bias',
    'cls.predictions.transform.dense.weight', 'cls.predictions.transform.dense.bias', 'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.LayerNorm.bias']) {
    assert.ok(names.includes(n), `missing ${n}`);
  }
  assert.ok(!names.includes('cls.predictions.decoder.weight'), 'the tied decoder is not stored twice');
  assert.ok(names.every((n) => n.startsWith('bert.') || n.startsWith('cls.predictions.')), names.join(', '));
  assert.deepEqual(tensors.get('cls.predictions.bias')!.shape, [vocab]);
  const loaded = await loadModelFolder(best);
  assert.equal(loaded.backbone.size, (await loadModelFolder(model)).backbone.size);

  // `train` fine-tunes the pretrained backbone (fresh heads).
  const csv = join(dir, 'labels.csv');
  await writeFile(csv, 'text,animal\n' + toyCorpus(60, 9).map((t) => `${t},${/cat|dog/.test(t) ? 'pet' : 'farm'}`).join('\n') + '\n');
  const ft = await train({ csv, model: best, out: join(dir, 'ft'), epochs: 1, batchSize: 8, device: 'cpu', seed: 1 });
  assert.equal(ft.status, 'completed');
  assert.ok(ft.last);
});

test('a pretraining run interrupted and resumed ends bit-identical to an uninterrupted one', async () => {
  const { dir, corpus, model } = await setup();
  const common = { files: [corpus], model, maxLength: 24, batchSize: 8, maxSteps: 10, lr: 1e-3, valSplit: 0.1, evalEvery: 5, seed: 4, device: 'cpu' as const };
  const whole = await pretrain({ ...common, out: join(dir, 'whole') });
  const controller = new AbortController();
  const cut = await pretrain({ ...common, out: join(dir, 'cut') }, {
    signal: controller.signal, progressIntervalMs: 0,
    onEvent: (e) => { if (e.type === 'progress' && e.phase === 'training' && e.step >= 4) controller.abort(); },
  });
  assert.equal(cut.status, 'cancelled');
  assert.ok(cut.step < 10);
  const resumed = await pretrain({ resume: join(dir, 'cut') });
  assert.equal(resumed.status, 'completed');
  assert.equal(resumed.step, 10);
  const a = await readFile(join(whole.last!.dir, 'model.safetensors'));
  const b = await readFile(join(resumed.last!.dir, 'model.safetensors'));
  assert.ok(a.equals(b), 'weights after resume differ from the uninterrupted run');
  assert.deepEqual(resumed.metrics, whole.metrics);
  await assert.rejects(train({ resume: join(dir, 'cut') }), /pretraining run/);
});

test('--new-vocab builds a vocabulary from the corpus and pretrains a model from scratch', async () => {
  const { dir, corpus } = await setup();
  const result = await pretrain({
    files: [corpus], out: join(dir, 'scratch'), newVocab: 150, maxSteps: 3, batchSize: 8, maxLength: 24, device: 'cpu',
    config: { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32 },
  });
  assert.equal(result.vocabSize, 150);
  const last = result.last!.dir;
  const vocabTxt = (await readFile(join(last, 'vocab.txt'), 'utf8')).trim().split('\n');
  assert.equal(vocabTxt.length, 150);
  for (const w of ['the', 'cat', 'garden']) assert.ok(vocabTxt.includes(w), `${w} is a whole entry`);
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const reference = await AutoTokenizer.from_pretrained(last, { local_files_only: true });
  const ours = (await loadModelFolder(last)).tokenizer.encode(['the young duck quacks by the river .'], 24).ids[0];
  assert.deepEqual(ours, reference.encode('the young duck quacks by the river .'));
});
