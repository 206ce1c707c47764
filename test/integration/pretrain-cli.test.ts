/** `sentence-lens vocab`, `pretrain` (BERT from scratch, a RoBERTa continued) and `train --adapt` through the bundled CLI, as a user runs them. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { ARCHITECTURE_CASES, architectureModel } from '../support/architecture-cases.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/model-folder.js';

const root = new URL('../../', import.meta.url).pathname;
const sentences = (await readFile(join(root, 'models/sentences.csv'), 'utf8')).split('\n').slice(0, 121).join('\n') + '\n';
const dir = await tempDir('sl-pretrain-cli-');
after(async () => rm(dir, { recursive: true, force: true }));
const csv = join(dir, 'labelled.csv');
await writeFile(csv, sentences);
await writeFile(join(dir, 'notes.md'), '# Notes\n\nThe soup was lovely. We played football after lunch.\nThe library was quiet.\n');

test('vocab writes a tokenizer from text; pretrain --new-vocab trains from scratch and its checkpoint fine-tunes', async () => {
  const tok = join(dir, 'tok');
  const v = await runCli(['vocab', csv, join(dir, 'notes.md'), '--size', '300', '--out', tok]);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(JSON.parse(v.stdout).vocabSize, 300);
  assert.equal((await readFile(join(tok, 'vocab.txt'), 'utf8')).trim().split('\n').length, 300);
  assert.ok(existsSync(join(tok, 'tokenizer.json')) && existsSync(join(tok, 'tokenizer_config.json')));

  const out = join(dir, 'pt');
  const p = await runCli(['pretrain', csv, '--new-vocab', '400', '--out', out, '--max-steps', '6', '--batch-size', '8', '--max-length', '32', '--device', 'cpu', '--eval-every', '3']);
  assert.equal(p.code, 0, p.stderr);
  const s = JSON.parse(p.stdout);
  assert.equal(s.status, 'completed');
  assert.equal(s.vocabSize, 400);
  assert.equal(s.step, 6);
  assert.ok(s.metrics.perplexity > 1 && Number.isFinite(s.metrics.perplexity));
  assert.match(p.stderr, /perplexity/);
  const config = JSON.parse(await readFile(join(out, 'last', 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['BertForMaskedLM']);
  const t = await runCli(['train', csv, '--model', join(out, 'last'), '--out', join(dir, 'ft'), '--epochs', '1', '--batch-size', '16', '--device', 'cpu']);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).status, 'completed');
});

test('train --adapt pretrains on the given text first, then fine-tunes', async () => {
  const model = join(dir, 'model');
  await generateModelFolder(model, { texts: sentences.split('\n').map((l) => l.split(',')[0]!), seed: 2, config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2 } });
  const out = join(dir, 'adapted');
  const r = await runCli(['train', csv, '--model', model, '--out', out, '--adapt', join(dir, 'notes.md'), '--adapt', csv, '--epochs', '1', '--batch-size', '16', '--device', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /adapting .* before fine-tuning/);
  assert.ok(existsSync(join(out, 'adapt', 'last', 'model.safetensors')), 'the adapted backbone is kept in the run folder');
  assert.equal(JSON.parse(r.stdout).status, 'completed');
});

test('pretrain --model continues a RoBERTa: the checkpoint is a RobertaForMaskedLM folder whose trained lm_head the next run picks up', async () => {
  const roberta = ARCHITECTURE_CASES.find((c) => c.id === 'roberta')!;
  const model = await architectureModel(roberta, { heads: false, extraTensors: true });
  const out = join(dir, 'roberta-pt');
  const p = await runCli(['pretrain', csv, '--model', model, '--out', out, '--max-steps', '4', '--batch-size', '8', '--max-length', '32', '--device', 'cpu', '--eval-every', '2']);
  assert.equal(p.code, 0, p.stderr);
  const s = JSON.parse(p.stdout);
  assert.equal(s.status, 'completed');
  assert.equal(s.step, 4);
  assert.ok(s.metrics.perplexity > 1 && Number.isFinite(s.metrics.perplexity), JSON.stringify(s.metrics));
  assert.match(p.stderr, /masked-LM head from the checkpoint/);
  const config = JSON.parse(await readFile(join(out, 'last', 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['RobertaForMaskedLM']);
  assert.equal(config.model_type, 'roberta');
  // The folder RobertaForMaskedLM / RobertaModel load: `roberta.`-prefixed encoder, `lm_head.*`, tied decoder not stored.
  const saved = new Map((await readSafetensors(join(out, 'last', 'model.safetensors'))).tensors);
  const names = [...saved.keys()];
  assert.ok(names.every((n) => n.startsWith('roberta.') || n.startsWith('lm_head.')), names.join(', '));
  for (const n of ['roberta.embeddings.word_embeddings.weight', 'lm_head.dense.weight', 'lm_head.dense.bias', 'lm_head.layer_norm.weight', 'lm_head.layer_norm.bias', 'lm_head.bias']) {
    assert.ok(saved.has(n), `${n} is saved`);
  }
  assert.ok(!saved.has('lm_head.decoder.weight'), 'the tied decoder is not stored twice');
  const before = new Map((await readSafetensors(join(model, 'model.safetensors'))).tensors);
  assert.notDeepEqual(saved.get('lm_head.dense.weight')!.data, before.get('lm_head.dense.weight')!.data, 'the head trained');

  // Continuing from the checkpoint starts from its head, and the backbone fine-tunes.
  const again = await runCli(['pretrain', csv, '--model', join(out, 'last'), '--out', join(dir, 'roberta-pt2'), '--max-steps', '1', '--batch-size', '8', '--max-length', '32', '--device', 'cpu']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /masked-LM head from the checkpoint/);
  const t = await runCli(['train', csv, '--model', join(out, 'last'), '--out', join(dir, 'roberta-ft'), '--epochs', '1', '--batch-size', '16', '--device', 'cpu']);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).status, 'completed');
});

test('pretrain says what is missing', async () => {
  const none = await runCli(['pretrain', '--new-vocab', '100']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /expected one or more text files/);
  const noModel = await runCli(['pretrain', csv, '--out', join(dir, 'x')]);
  assert.equal(noModel.code, 1);
  assert.match(noModel.stderr, /give a model to continue from, or --new-vocab N/);
  const missing = await runCli(['pretrain', join(dir, 'nope.txt'), '--new-vocab', '100', '--out', join(dir, 'y')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.txt: no such file or folder/);
  const badColumn = await runCli(['pretrain', csv, '--column', 'body', '--new-vocab', '100', '--out', join(dir, 'z')]);
  assert.equal(badColumn.code, 1);
  assert.match(badColumn.stderr, /labelled\.csv:1: column 'body' is not in the header/);
});
