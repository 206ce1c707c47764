/**
 * `npm run demo`: the original exercise, end to end, offline. Classifies its sentences with the
 * bundled offline model, then fine-tunes the heads briefly (backbone frozen) on the bundled
 * CSV and prints the validation metrics.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SentenceModel } from '../src/engine/inference.js';
import { train } from '../src/engine/train/trainer.js';

const ROOT = new URL('..', import.meta.url).pathname;
const MODEL = join(ROOT, 'models', 'offline');
const CSV = join(ROOT, 'models', 'sentences.csv');
const SENTENCES = [
  "Well that's a bit far-fetched",
  'Go fetch boy',
  'Rewards, rewards, rewards',
  'The pasta at that little place was unforgettable.',
  'Our keeper let in three goals before half time.',
  'I finished the whole trilogy in a weekend and loved every page.',
  'The soup was cold and the bread was stale.',
];

const pct = (p: number) => `${Math.round(100 * p)}%`.padStart(4);
const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

console.log('Sentence Lens demo — the small offline model (models/offline), on the CPU, no network.\n');
const model = await SentenceModel.load(MODEL, { device: 'cpu' });
const results = await model.run(SENTENCES);
console.log(`${pad('sentence', 62)}  ${pad('topic', 14)}  sentiment`);
console.log(`${'-'.repeat(62)}  ${'-'.repeat(14)}  ${'-'.repeat(14)}`);
results.forEach((r, i) => {
  const t = r.tasks['topic']!;
  const s = r.tasks['sentiment']!;
  console.log(`${pad(SENTENCES[i]!, 62)}  ${pad(`${t.label} ${pct(t.probs[t.label]!)}`, 14)}  ${s.label} ${pct(s.probs[s.label]!)}`);
});
console.log(`\n(embedding: ${model.dim} numbers per sentence; the first sentence starts [${Array.from(results[0]!.embedding.slice(0, 4), (x) => x.toFixed(3)).join(', ')}, …])`);
await model.release();

console.log('\nFine-tuning the heads for 3 epochs with the backbone frozen, on models/sentences.csv …');
const out = await mkdtemp(join(tmpdir(), 'sl-demo-'));
try {
  let lastPrinted = -1;
  const result = await train(
    // The offline model's own seed and split fraction, so validation uses the sentences it never trained on.
    { csv: CSV, model: MODEL, out, freeze: 'backbone', epochs: 3, batchSize: 32, lr: 1e-3, seed: 20261126, valSplit: 0.15, maxLength: 96, device: 'cpu' },
    {
      onEvent: (e) => {
        if (e.type === 'progress' && e.phase === 'training' && e.loss !== undefined && e.step !== lastPrinted && (e.step === e.totalSteps || e.step % 10 === 0)) {
          lastPrinted = e.step;
          console.log(`  step ${String(e.step).padStart(3)}/${e.totalSteps}  loss ${e.loss.toFixed(4)}${e.examplesPerSecond ? `  ${e.examplesPerSecond.toFixed(0)} examples/s` : ''}`);
        }
      },
    },
  );
  console.log(`\n${result.status} after ${result.step} steps (${result.elapsedSeconds.toFixed(1)} s, ${result.runner} runner, ${result.device}); validation on ${result.valExamples} held-out sentences:`);
  console.log(`${pad('task', 12)}  accuracy  macro-F1  loss`);
  for (const [task, m] of Object.entries(result.metrics?.tasks ?? {})) {
    console.log(`${pad(task, 12)}  ${pct(m.accuracy).padStart(8)}  ${m.macroF1.toFixed(3).padStart(8)}  ${m.loss.toFixed(3)}`);
  }
  console.log('\nNext: `npm test`, or open this folder in VS Code and press F5 (see README).');
} finally {
  await rm(out, { recursive: true, force: true });
}
