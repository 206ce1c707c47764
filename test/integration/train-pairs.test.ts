/**
 * Fine-tuning with sentence pairs, as `train` runs it on a tiny generated model: the pair loss
 * is reported and falls, the trained embeddings rank each sentence's paraphrase above the other
 * sentences better than the same run without pairs does, a resumed run matches an
 * uninterrupted one, and a frozen backbone is refused with the reason.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { SentenceModel } from '../../src/engine/inference.js';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { train } from '../../src/engine/train/trainer.js';
import type { TrainOptions } from '../../src/engine/train/trainer-options.js';
import type { TrainEvent } from '../../src/engine/train/events.js';
import { readSafetensors } from '../../src/engine/weights/safetensors.js';
import { tempDir } from '../support/model-folder.js';
import { referenceRankingLoss } from '../support/reference-ranking.js';

const root = new URL('../../', import.meta.url).pathname;
const lines = (await readFile(join(root, 'models/sentences.csv'), 'utf8')).split('\n');
const pairLines = (await readFile(join(root, 'models/training-pairs.csv'), 'utf8')).split('\n').filter(Boolean);
const dir = await tempDir('sl-train-pairs-');
after(() => rm(dir, { recursive: true, force: true }));
const csv = join(dir, 'small.csv');
await writeFile(csv, lines.slice(0, 41).join('\n') + '\n');
const pairsCsv = join(dir, 'pairs.csv');
await writeFile(pairsCsv, pairLines.slice(0, 25).join('\n') + '\n');
// The same anchors, each paired with itself: unsupervised SimCSE, the control that knows no paraphrase.
const selfPairsCsv = join(dir, 'self-pairs.csv');
const pairTexts = (parse(pairLines.slice(1, 25).join('\n')) as string[][]).map(([a, b]) => [a!, b!] as const);
await writeFile(selfPairsCsv, ['sentence,paraphrase', ...pairTexts.map(([a]) => `"${a.replace(/"/g, '""')}","${a.replace(/"/g, '""')}"`)].join('\n') + '\n');
const model = join(dir, 'model');
await generateModelFolder(model, {
  texts: [...lines.slice(1, 41).map((l) => l.split(',')[0]!), ...pairTexts.flat()],
  seed: 5,
  config: { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 2, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 },
});

const base = (out: string, pairs?: string): TrainOptions => ({
  csv, model, out, device: 'cpu', epochs: 6, batchSize: 8, lr: 3e-3, warmup: 0.1, valSplit: 0.2, seed: 3,
  ...(pairs ? { pairs, pairsPerStep: 12, pairScale: 10 } : {}),
});

/** The ranking loss of a model's embeddings over all the pairs: low when each sentence's paraphrase is its closest match. */
async function rankingLoss(dir: string): Promise<number> {
  const m = await SentenceModel.load(dir, { device: 'cpu' });
  try {
    const emb = (await m.run(pairTexts.flat())).map((r) => r.embedding);
    return referenceRankingLoss(emb.filter((_, i) => i % 2 === 0), emb.filter((_, i) => i % 2 === 1), 10);
  } finally {
    await m.release();
  }
}

test('training with pairs reports the pair loss, lowers it, and brings paraphrases closer than training without them or on the anchors alone', async () => {
  const events: TrainEvent[] = [];
  const withPairs = await train(base(join(dir, 'with'), pairsCsv), { onEvent: (e) => events.push(e), progressIntervalMs: 0 });
  const without = await train(base(join(dir, 'without')));
  const selfOnly = await train(base(join(dir, 'self'), selfPairsCsv));
  assert.equal(withPairs.status, 'completed');
  const pairLosses = withPairs.history.train.map((r) => r.losses['pairs']);
  assert.ok(pairLosses.every((l) => typeof l === 'number' && Number.isFinite(l)), 'each history entry has the pair loss');
  assert.ok(pairLosses.at(-1)! < 0.7 * pairLosses[0]!, `pair loss ${pairLosses[0]} → ${pairLosses.at(-1)}`);
  assert.ok(events.some((e) => e.type === 'progress' && e.losses?.['pairs'] !== undefined), 'progress events carry the pair loss');
  assert.equal(without.history.train[0]!.losses['pairs'], undefined);
  const [lossWith, lossWithout, lossSelf] = [await rankingLoss(withPairs.last!.dir), await rankingLoss(without.last!.dir), await rankingLoss(selfOnly.last!.dir)];
  assert.ok(lossWith < 0.8 * lossWithout, `ranking loss of the embeddings: ${lossWith} with pairs, ${lossWithout} without`);
  assert.ok(lossWith < 0.5 * lossSelf, `ranking loss of the embeddings: ${lossWith} with pairs, ${lossSelf} with each anchor paired with itself`);
});

test('a run with pairs cancelled after step 3 and resumed ends with the weights of an uninterrupted run', async () => {
  const full = await train(base(join(dir, 'full'), pairsCsv));
  const controller = new AbortController();
  const cut = await train(base(join(dir, 'cut'), pairsCsv), {
    signal: controller.signal, progressIntervalMs: 0,
    onEvent: (e) => { if (e.type === 'progress' && e.phase === 'training' && e.step >= 3) controller.abort(); },
  });
  assert.equal(cut.status, 'cancelled');
  const resumed = await train({ resume: join(dir, 'cut') });
  assert.equal(resumed.step, full.step);
  const [a, b] = [(await readSafetensors(join(full.last!.dir, 'model.safetensors'))).tensors, (await readSafetensors(join(resumed.last!.dir, 'model.safetensors'))).tensors];
  for (const [n, t] of a) t.data.forEach((v, i) => assert.ok(Math.abs(v - b.get(n)!.data[i]!) <= 1e-6 * Math.max(1, Math.abs(v)), `${n}[${i}]`));
});

test('pairs with a frozen backbone are refused, saying why', async () => {
  await assert.rejects(train({ ...base(join(dir, 'frozen'), pairsCsv), freeze: 'backbone' }), /pairs\.csv: the pair objective shapes the embeddings, so it needs the backbone to train; with freeze "backbone" only heads train/);
});
