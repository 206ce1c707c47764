/**
 * The active-learning simulation's data and features: the pool (the bundled labelled sentences,
 * labels hidden until the simulated person is asked), the test set (the separately written
 * held-out set) and each sentence's pooled vector from a frozen backbone that never saw a label.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readTrainingCsv } from '../../src/engine/data/csv.js';
import { SentenceModel } from '../../src/engine/inference.js';
import type { TaskSpec } from '../../src/engine/model/heads.js';
import type { RowLabels } from '../../src/engine/train/heads-graph.js';
import { SHAPES, generateShapeFolder } from '../shapes.js';

export interface Split {
  readonly texts: readonly string[];
  readonly labels: readonly RowLabels[];
}

export interface LabelledData {
  readonly tasks: readonly TaskSpec[];
  readonly pool: Split;
  readonly test: Split;
}

export interface Backbone {
  readonly name: string;
  /** What it is and what it was trained on, for the report. */
  readonly description: string;
  readonly dir: string;
}

export interface Features {
  readonly hidden: number;
  /** Row-major [rows, hidden] pooled vectors (normalize off, as the heads read them). */
  readonly pool: Float32Array;
  readonly test: Float32Array;
}

/** Pool = models/sentences.csv; test = models/heldout.csv, its labels mapped to the pool's label order. */
export async function loadLabelledData(root: string): Promise<LabelledData> {
  const pool = await readTrainingCsv(resolve(root, 'models/sentences.csv'));
  const test = await readTrainingCsv(resolve(root, 'models/heldout.csv'));
  const tasks: TaskSpec[] = pool.tasks.map((t) => ({ name: t.name, labels: [...t.labels] }));
  const split = (csv: typeof pool): Split => ({
    texts: csv.rows.map((r) => r.text),
    labels: csv.rows.map((r) => Object.fromEntries(tasks.map((t) => {
      const col = csv.tasks.find((c) => c.name === t.name);
      const y = r.labels[t.name];
      if (!col || y === null || y === undefined) return [t.name, null];
      const index = t.labels.indexOf(col.labels[y]!);
      if (index < 0) throw new Error(`${csv.path}: label ${col.labels[y]} of task ${t.name} is not in the pool's labels (${t.labels.join(', ')})`);
      return [t.name, index];
    }))),
  });
  return { tasks, pool: split(pool), test: split(test) };
}

/**
 * The masked-LM-only stage of the offline model's build (`npm run build:offline-model` keeps it in
 * .cache/offline-model-build/pretrain/last): pretrained on WordNet text and the pool's sentences as
 * plain text, no label. SL_AL_BACKBONE names another such folder.
 */
export function maskedLmBackbone(root: string): Backbone {
  const dir = process.env.SL_AL_BACKBONE ?? join(root, '.cache/offline-model-build/pretrain/last');
  if (!existsSync(join(dir, 'config.json'))) {
    throw new Error(`no masked-LM backbone at ${dir}: run \`npm run build:offline-model -- --pretrain-only\` (stage 2 of the build, kept there), or set SL_AL_BACKBONE to a pretrained-only folder`);
  }
  return { name: 'masked-LM backbone', description: `the offline model's recipe stopped after masked-LM pretraining (no labels): ${dir}`, dir };
}

/** A MiniLM-L6-shaped BERT with random weights and a vocabulary from the pool's texts: the weakest features, a second point. */
export async function randomMiniLmBackbone(work: string, poolTexts: readonly string[]): Promise<Backbone> {
  const dir = join(work, 'minilm-random');
  if (!existsSync(join(dir, 'config.json'))) await generateShapeFolder(dir, SHAPES.minilm, poolTexts);
  return { name: 'random MiniLM-shaped backbone', description: 'MiniLM-L6 shape (6 × 384), random weights (seed 1), WordPiece vocabulary from the pool texts', dir };
}

/** Every pool and test sentence's pooled vector, once: the backbone is frozen, so they never change. */
export async function embed(backbone: Backbone, data: LabelledData): Promise<Features> {
  const model = await SentenceModel.load(backbone.dir, { device: 'cpu', maxLength: 128 });
  try {
    const vectors = async (texts: readonly string[]) => {
      const out = new Float32Array(texts.length * model.dim);
      (await model.run([...texts])).forEach((r, i) => out.set(r.embedding, i * model.dim));
      return out;
    };
    return { hidden: model.dim, pool: await vectors(data.pool.texts), test: await vectors(data.test.texts) };
  } finally {
    await model.release();
  }
}
