/** A small model trained from scratch fits the bundled data (models/sentences.csv). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { generateModelFolder, readBundledSentences } from '../../src/engine/model/generate.js';
import { train } from '../../src/engine/train/trainer.js';
import { tempDir } from '../support/model-folder.js';

const root = new URL('../../', import.meta.url).pathname;

test('a tiny BERT trained end to end reaches ≥ 95% training accuracy on every task', async () => {
  const dir = await tempDir('sl-accuracy-');
  const model = join(dir, 'model');
  await generateModelFolder(model, {
    texts: await readBundledSentences(root),
    seed: 1,
    config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 },
  });
  const csv = join(root, 'models/sentences.csv');
  // Validating on the training file itself makes the reported metrics training accuracy.
  const r = await train({ csv, val: csv, model, out: join(dir, 'run'), device: 'cpu', epochs: 5, batchSize: 32, lr: 3e-3, warmup: 0.05, seed: 1 });
  assert.equal(r.status, 'completed');
  const rows = (parse(await readFile(csv, 'utf8'), { columns: true, skip_empty_lines: true }) as unknown[]).length;
  assert.equal(r.metrics!.examples, rows);
  for (const [task, m] of Object.entries(r.metrics!.tasks)) {
    assert.ok(m.accuracy >= 0.95, `${task}: training accuracy ${m.accuracy}`);
    assert.ok(m.macroF1 >= 0.9, `${task}: macro-F1 ${m.macroF1}`);
  }
  // The loss went down along the way.
  const evals = r.history.evals.map((e) => e.report.loss);
  assert.ok(evals.at(-1)! < evals[0]! / 4, `validation losses ${evals}`);
});
