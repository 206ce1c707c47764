/**
 * The build's stages, each resumable: its output is kept in the work folder and a stage that
 * finished is skipped on the next run; an interrupted pretraining or fine-tuning run continues
 * from its last checkpoint (saved every few dozen steps and on Ctrl-C).
 *   corpus     WordNet glosses and examples + the training sentences (never the held-out set)
 *   pretrain   masked-LM pretraining from scratch with a new WordPiece vocabulary
 *   finetune   topic and sentiment heads and the backbone, on the bundled sentences + VADER words
 * The held-out set (models/heldout.csv) is read by report.ts only, after the model is final.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { pretrain } from '../../src/engine/pretrain/pretrain.js';
import { Rng } from '../../src/engine/random.js';
import type { TrainEvent } from '../../src/engine/train/events.js';
import { train } from '../../src/engine/train/trainer.js';
import { hasTrainingState } from '../../src/engine/train/training-state.js';
import type { Recipe } from './config.js';
import { SentenceModel } from '../../src/engine/inference.js';
import { lexiconRows } from './lexicon.js';
import { paraphraseShare } from './nearest.js';
import { TRAINING_PAIRS_FILE, writePairsCsv } from './pairs.js';
import { wordnetTexts } from './wordnet-corpus.js';

export interface StageContext {
  readonly root: string;
  readonly work: string;
  readonly recipe: Recipe;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /**
   * The tasks fine-tuning learns (default both). bench:active-learning fine-tunes on one task to
   * measure labelling order on the other with a backbone that never saw that task's labels.
   */
  readonly tasks?: readonly TaskName[];
}

export type TaskName = 'topic' | 'sentiment';

type Row = { sentence: string; topic: string; sentiment: string };

export async function readLabelled(path: string): Promise<Row[]> {
  return parse(await readFile(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Row[];
}

const done = (dir: string) => join(dir, 'DONE.json');

async function markDone(dir: string, info: unknown): Promise<void> {
  await writeFile(done(dir), `${JSON.stringify(info, null, 2)}\n`);
}

/** One corpus file per source, written once. */
export async function buildCorpus(ctx: StageContext): Promise<string[]> {
  const dir = join(ctx.work, 'corpus');
  const files = [join(dir, 'wordnet.txt'), join(dir, 'sentences.txt'), join(dir, 'pairs.txt')];
  if (files.every((f) => existsSync(f))) return files;
  await mkdir(dir, { recursive: true });
  const wordnet = wordnetTexts();
  await writeFile(files[0]!, wordnet.join('\n') + '\n');
  const sentences = (await readLabelled(join(ctx.root, 'models', 'sentences.csv'))).map((r) => r.sentence.replace(/\s+/g, ' '));
  await writeFile(files[1]!, sentences.join('\n') + '\n');
  const pairs = (parse(await readFile(join(ctx.root, 'models', TRAINING_PAIRS_FILE), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[])
    .flatMap((r) => [r['sentence']!, r['paraphrase']!]);
  await writeFile(files[2]!, pairs.join('\n') + '\n');
  ctx.log(`corpus: ${wordnet.length} WordNet lines, ${sentences.length} training sentences, ${pairs.length} sentences of the training pairs`);
  return files;
}

function progressLogger(ctx: StageContext, what: string): (e: TrainEvent) => void {
  let last = 0;
  return (e) => {
    if (e.type === 'message') ctx.log(`${what}: ${e.message}`);
    else if (e.type === 'evaluation') {
      const r = e.report;
      const tasks = Object.entries(r.tasks).map(([t, m]) => `${t} ${(100 * m.accuracy).toFixed(1)}%`).join(', ');
      ctx.log(`${what}: step ${e.step} validation loss ${r.loss.toFixed(3)}${r.mlm ? ` perplexity ${r.mlm.perplexity.toFixed(1)} accuracy ${(100 * r.mlm.accuracy).toFixed(1)}%` : ''}${tasks ? ` ${tasks}` : ''}`);
    } else if (e.type === 'progress' && e.phase === 'training' && e.elapsedSeconds - last >= 30) {
      last = e.elapsedSeconds;
      ctx.log(`${what}: step ${e.step}/${e.totalSteps} loss ${e.loss?.toFixed(3)} ${e.examplesPerSecond?.toFixed(1)} seq/s, ${Math.round(e.elapsedSeconds)} s elapsed`);
    }
  };
}

/** Masked-LM pretraining from scratch; returns the checkpoint to fine-tune. */
export async function runPretrain(ctx: StageContext, files: string[]): Promise<string> {
  const out = join(ctx.work, 'pretrain');
  if (existsSync(done(out))) return join(out, 'last');
  const r = ctx.recipe;
  const p = r.pretrain;
  const onEvent = progressLogger(ctx, 'pretrain');
  const result = hasTrainingState(join(out, 'last'))
    ? await pretrain({ resume: out }, { signal: ctx.signal, onEvent })
    : await pretrain({
        files, out, newVocab: r.vocabSize, seed: r.seed, device: 'cpu', maxLength: p.maxLength, batchSize: p.batchSize, maxSteps: p.steps,
        lr: p.lr, warmup: p.warmup, saveEvery: p.saveEvery, evalEvery: Math.max(1, Math.floor(p.steps / 4)), valSplit: 0.01,
        config: { hidden_size: r.hidden, num_hidden_layers: r.layers, num_attention_heads: r.heads, intermediate_size: r.intermediate, max_position_embeddings: 128 },
      }, { signal: ctx.signal, onEvent });
  if (result.status === 'cancelled') throw new Error(`pretraining interrupted at step ${result.step}; run the build again to continue`);
  await markDone(out, { step: result.step, seconds: Math.round(result.elapsedSeconds), metrics: result.metrics?.mlm, vocabSize: result.vocabSize, tokens: result.tokens });
  return join(out, 'last');
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A seeded, stratified 90/10 split of the bundled sentences; VADER words join the training part only. */
export async function writeFineTuneCsvs(ctx: StageContext): Promise<{ train: string; val: string; lexicon: number }> {
  const dir = join(ctx.work, 'finetune-data');
  const paths = { train: join(dir, 'train.csv'), val: join(dir, 'val.csv') };
  const rows = await readLabelled(join(ctx.root, 'models', 'sentences.csv'));
  const cells = new Map<string, Row[]>();
  for (const r of rows) cells.set(`${r.topic}/${r.sentiment}`, [...(cells.get(`${r.topic}/${r.sentiment}`) ?? []), r]);
  const rng = new Rng(ctx.recipe.seed);
  const train: Row[] = [];
  const val: Row[] = [];
  for (const key of [...cells.keys()].sort()) {
    const list = rng.shuffle([...cells.get(key)!]);
    const n = Math.round(list.length * ctx.recipe.finetune.valShare);
    val.push(...list.slice(0, n));
    train.push(...list.slice(n));
  }
  const tasks = ctx.tasks ?? (['topic', 'sentiment'] as const);
  const known = new Set(rows.map((r) => r.sentence.toLowerCase()));
  // VADER words carry a sentiment only: they join when sentiment is learnt.
  const words = !tasks.includes('sentiment') ? [] : lexiconRows(ctx.recipe.finetune.lexiconMinValence).filter((w) => !known.has(w.word)).map((w) => ({ sentence: w.word, topic: '', sentiment: w.sentiment }));
  const lines = (list: Row[]) => [['sentence', ...tasks].join(','), ...list.map((r) => [r.sentence, ...tasks.map((t) => r[t])].map(csvField).join(','))].join('\n') + '\n';
  await mkdir(dir, { recursive: true });
  await writeFile(paths.train, lines(rng.shuffle([...train, ...words])));
  await writeFile(paths.val, lines(val));
  return { ...paths, lexicon: words.length };
}

/** The pairs file of the contrastive objective: the hand-written pairs and SimCSE rows (pairs.ts). */
export async function writeFineTunePairs(ctx: StageContext, trainCsv: string): Promise<{ path: string; hand: number; simcse: number }> {
  const path = join(ctx.work, 'finetune-data', 'pairs.csv');
  // The bundled sentences of the split, not the lexicon's single words (which have no topic).
  const bundled = new Set((await readLabelled(join(ctx.root, 'models', 'sentences.csv'))).map((r) => r.sentence));
  const train = (await readLabelled(trainCsv)).filter((r) => bundled.has(r.sentence)).map((r) => r.sentence);
  const wordnetLines = (await readFile(join(ctx.work, 'corpus', 'wordnet.txt'), 'utf8')).split('\n');
  const p = ctx.recipe.pairs;
  return { path, ...(await writePairsCsv(path, { root: ctx.root, seed: ctx.recipe.seed, trainSentences: train, wordnetLines, handRepeat: p.handRepeat, simcseWordnet: p.simcseWordnet })) };
}

/** The recipe's validation measure for embeddings: the paraphrase share on models/dev-paraphrases.csv. */
export async function devParaphraseShare(root: string, dir: string): Promise<number> {
  const model = await SentenceModel.load(dir, { device: 'cpu' });
  try {
    return (await paraphraseShare(model, join(root, 'models', DEV_PARAPHRASES_FILE))).share;
  } finally {
    await model.release();
  }
}

export const DEV_PARAPHRASES_FILE = 'dev-paraphrases.csv';

/**
 * Multi-task fine-tuning of the pretrained backbone, with the contrastive objective on the
 * sentence pairs beside the two task losses; returns the best checkpoint (by validation loss).
 */
export async function runFineTune(ctx: StageContext, base: string): Promise<{ dir: string; info: Record<string, unknown> }> {
  const out = join(ctx.work, 'finetune');
  if (existsSync(done(out))) return { dir: join(out, 'best'), info: JSON.parse(await readFile(done(out), 'utf8')) };
  const data = await writeFineTuneCsvs(ctx);
  const pairs = await writeFineTunePairs(ctx, data.train);
  const f = ctx.recipe.finetune;
  const p = ctx.recipe.pairs;
  const onEvent = progressLogger(ctx, 'finetune');
  const result = hasTrainingState(join(out, 'last'))
    ? await train({ resume: out }, { signal: ctx.signal, onEvent })
    : await train({
        csv: data.train, val: data.val, model: base, out, freeze: 'none', epochs: f.epochs, batchSize: f.batchSize, lr: f.lr, warmup: f.warmup,
        decay: 'linear', weightDecay: f.weightDecay, dropout: f.dropout, maxLength: f.maxLength, patience: f.patience, seed: ctx.recipe.seed, device: 'cpu',
        pairs: pairs.path, pairsPerStep: p.perStep, pairWeight: p.weight, pairScale: p.scale,
      }, { signal: ctx.signal, onEvent });
  if (result.status === 'cancelled') throw new Error(`fine-tuning interrupted at step ${result.step}; run the build again to continue`);
  if (!result.best) throw new Error(`fine-tuning ended without a best checkpoint (${result.status})`);
  const best = result.history.evals.find((e) => e.step === result.best!.step)!;
  const info = {
    trainRows: result.trainExamples, valRows: result.valExamples, lexiconRows: data.lexicon, pairRows: { handWritten: pairs.hand, simcse: pairs.simcse },
    bestStep: result.best.step, seconds: Math.round(result.elapsedSeconds),
    validation: Object.fromEntries(Object.entries(best.report.tasks).map(([t, m]) => [t, { accuracy: m.accuracy, macroF1: m.macroF1 }])),
    devParaphraseNearestNeighbour: await devParaphraseShare(ctx.root, result.best.dir),
  };
  await markDone(out, info);
  return { dir: result.best.dir, info };
}
