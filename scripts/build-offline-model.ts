/**
 * Builds the offline model in models/offline: a small BERT (vocabulary from the bundled data)
 * trained from scratch by our own trainer on models/sentences.csv, with a fixed seed, so
 * anyone can rebuild it: `npm run build:offline-model`.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModelFolder, readBundledSentences } from '../src/engine/model/generate.js';
import { train } from '../src/engine/train/index.js';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = join(ROOT, 'models', 'offline');
const SEED = 20261126;
// Sizes and rates were chosen by validation loss on the held-out split (see README).
const env = (k: string, d: number) => Number(process.env[k] ?? d);
const H = env('SL_OFFLINE_HIDDEN', 128);
const L = env('SL_OFFLINE_LAYERS', 2);

const work = await mkdtemp(join(tmpdir(), 'sl-offline-'));
try {
  const base = join(work, 'base');
  await generateModelFolder(base, {
    texts: await readBundledSentences(ROOT),
    seed: SEED,
    lowercase: true,
    config: { hidden_size: H, num_hidden_layers: L, num_attention_heads: 4, intermediate_size: 4 * H, max_position_embeddings: 128 },
  });
  const started = Date.now();
  let lastLine = '';
  const result = await train(
    {
      csv: join(ROOT, 'models', 'sentences.csv'),
      model: base,
      out: join(work, 'run'),
      freeze: 'none',
      epochs: env('SL_OFFLINE_EPOCHS', 40),
      batchSize: 16,
      lr: env('SL_OFFLINE_LR', 3e-4),
      warmup: 0.1,
      decay: 'linear',
      weightDecay: env('SL_OFFLINE_WD', 0.1),
      dropout: env('SL_OFFLINE_DROPOUT', 0.3),
      valSplit: 0.15,
      maxLength: 96,
      patience: 10,
      seed: SEED,
      device: 'cpu',
    },
    {
      onEvent: (e) => {
        if (e.type === 'evaluation') {
          const tasks = Object.entries(e.report.tasks).map(([t, m]) => `${t} acc ${(100 * m.accuracy).toFixed(1)}% F1 ${m.macroF1.toFixed(3)}`).join(', ');
          const line = `epoch ${e.epoch}: val loss ${e.report.loss.toFixed(4)} — ${tasks}${e.improved ? ' (best)' : ''}`;
          if (line !== lastLine) console.log((lastLine = line));
        } else if (e.type === 'message') {
          console.log(`${e.level}: ${e.message}`);
        }
      },
    },
  );
  if (!result.best) throw new Error(`training ended without a best checkpoint (${result.status})`);
  await rm(OUT, { recursive: true, force: true });
  await cp(result.best.dir, OUT, { recursive: true, filter: (src) => !/training_state/.test(src) });
  const tasksPath = join(OUT, 'tasks.json');
  const tasks = JSON.parse(await readFile(tasksPath, 'utf8'));
  const best = result.history.evals.find((e) => e.step === result.best!.step) ?? result.history.evals.at(-1)!;
  const card = {
    description: 'Sentence Lens offline model: a 2-layer, 128-wide BERT trained from scratch on the bundled 653 sentences. Small and honest: it knows only this vocabulary and these three topics.',
    seed: SEED,
    trainExamples: result.trainExamples,
    valExamples: result.valExamples,
    bestStep: result.best.step,
    validation: Object.fromEntries(Object.entries(best.report.tasks).map(([t, m]) => [t, { accuracy: m.accuracy, macroF1: m.macroF1 }])),
    trainingSeconds: Math.round((Date.now() - started) / 1000),
  };
  await writeFile(tasksPath, JSON.stringify({ ...tasks, offlineModel: card }, null, 2) + '\n');
  await writeFile(join(OUT, 'offline-model.json'), JSON.stringify(card, null, 2) + '\n');
  console.log(JSON.stringify(card, null, 2));
} finally {
  await rm(work, { recursive: true, force: true });
}
