/**
 * Domain adaptation (`train --adapt`): masked-LM pretraining on a domain's unlabelled text
 * before fine-tuning lowers the masked-LM perplexity on held-out text of that domain, and the
 * fine-tuning run then starts from the adapted backbone.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { loadModelFolder } from '../../src/engine/model/load.js';
import { measurePerplexity } from '../../src/engine/pretrain/perplexity.js';
import { pretrain } from '../../src/engine/pretrain/pretrain.js';
import { Rng } from '../../src/engine/random.js';
import type { TrainEvent } from '../../src/engine/train/events.js';
import { train } from '../../src/engine/train/trainer.js';
import { tempDir } from '../support/model-folder.js';

let dir: string;
after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

function sentences(n: number, seed: number, kind: 'general' | 'kitchen'): string[] {
  const rng = new Rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)]!;
  if (kind === 'general') {
    const pairs = [['cat', 'sleeps'], ['dog', 'runs'], ['bird', 'sings'], ['horse', 'jumps']] as const;
    return Array.from({ length: n }, () => { const [a, v] = pick(pairs); return `the ${pick(['small', 'old', 'happy'])} ${a} ${v} ${pick(['in the park', 'at home', 'all day'])} .`; });
  }
  // The kitchen's verbs go with their objects: only in-domain text teaches which.
  const pairs = [['slices', 'onions'], ['whisks', 'eggs'], ['kneads', 'dough'], ['stirs', 'soup'], ['grates', 'cheese']] as const;
  return Array.from({ length: n }, () => { const [v, o] = pick(pairs); return `the ${pick(['chef', 'cook', 'baker'])} ${v} the ${o} ${pick(['in the kitchen', 'at noon', 'for dinner'])} .`; });
}

test('train --adapt lowers the masked-LM perplexity on held-out text of the domain, then fine-tunes the adapted backbone', async () => {
  dir = await tempDir('sl-adapt-');
  const general = join(dir, 'general.txt');
  const domain = join(dir, 'domain.txt');
  const heldOut = join(dir, 'domain-heldout.txt');
  await writeFile(general, sentences(400, 1, 'general').join('\n'));
  await writeFile(domain, sentences(300, 2, 'kitchen').join('\n'));
  await writeFile(heldOut, sentences(80, 3, 'kitchen').join('\n'));
  // A base that knows general text (and has every word in its vocabulary), but not the kitchen's phrasing.
  const init = join(dir, 'init');
  await generateModelFolder(init, { texts: [...sentences(50, 4, 'general'), ...sentences(50, 5, 'kitchen')], seed: 6, config: { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64 } });
  const base = await pretrain({ files: [general], model: init, out: join(dir, 'base'), maxLength: 24, batchSize: 16, maxSteps: 80, lr: 2e-3, valSplit: 0, seed: 7, device: 'cpu' });
  const baseDir = base.last!.dir;

  const before = await measurePerplexity(baseDir, [heldOut], { maxLength: 24, seed: 1 });
  const csv = join(dir, 'labels.csv');
  await writeFile(csv, 'text,kind\n' + sentences(40, 8, 'kitchen').map((t) => `${t},${/dough|cheese/.test(t) ? 'baking' : 'cooking'}`).join('\n') + '\n');
  const events: TrainEvent[] = [];
  const out = join(dir, 'run');
  const result = await train(
    { csv, model: baseDir, out, adapt: [domain], adaptEpochs: 12, epochs: 1, batchSize: 16, maxLength: 24, seed: 9, device: 'cpu' },
    { onEvent: (e) => events.push(e), progressIntervalMs: 0 },
  );
  assert.equal(result.status, 'completed');
  assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'adapting'), 'adaptation reports progress');
  const adaptedDir = join(out, 'adapt', 'best');
  const after = await measurePerplexity(adaptedDir, [heldOut], { maxLength: 24, seed: 1 });
  assert.ok(after.perplexity < 0.8 * before.perplexity, `held-out domain perplexity ${before.perplexity.toFixed(2)} → ${after.perplexity.toFixed(2)}`);

  // Fine-tuning started from the adapted backbone: its embeddings moved away from the base's, towards the adapted ones.
  const [b, a, f] = await Promise.all([baseDir, adaptedDir, result.last!.dir].map((d) => loadModelFolder(d)));
  const emb = (m: typeof a) => m.backbone.get('embeddings.word_embeddings.weight')!.data;
  const dist = (x: Float32Array, y: Float32Array) => Math.hypot(...x.map((v, i) => v - y[i]!));
  assert.ok(dist(emb(f), emb(a)) < dist(emb(f), emb(b)), 'the fine-tuned backbone is closer to the adapted one than to the base');
});
