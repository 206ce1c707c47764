/**
 * The training set of a heads retrain: the person's labelled sentences (weighted up) plus, when
 * asked, the data the model's heads were trained on — the active checkpoint's own training CSV
 * when it records one, else the bundled data — minus a fixed third held out to check that the
 * correction did not cost accuracy elsewhere. Labels the model's tasks lack become new classes
 * (the heads grow); columns that are not tasks of the model are reported and left out.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundledDataCsv } from '../bundled-files.js';
import { readTrainingCsv } from '../engine/data/csv.js';
import type { LabelsTable } from '../engine/data/labels-file.js';
import type { Tensor } from '../engine/model/tensor.js';
import { growHeads } from '../engine/model/grow-heads.js';
import type { TaskSpec } from '../engine/model/heads.js';
import type { RowLabels } from '../engine/train/heads-graph.js';

/** A sentence with string labels by task. */
export interface TextRow {
  readonly text: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Seed of the rows a new label's head output starts from: fixed, so a retrain is repeatable. */
const GROW_SEED = 15;

/**
 * One sentence in three, chosen by a hash of its text (stable as the data grows), is held out.
 * A third, not the usual tenth: the check is "at most 2 points lost", and on the ~650 bundled
 * rows a tenth is 66 sentences, where one sentence is 1.5 points and the check turns into noise.
 * The model's heads already learnt from all of the data; the mixed-in part only keeps them there.
 */
const HELD_OUT_EVERY = 3;
export function isHeldOut(text: string): boolean {
  return createHash('sha256').update(text).digest()[0]! % HELD_OUT_EVERY === 0;
}

/**
 * The CSV the model's heads learnt from: `training_state.json` (`data.trainCsv`) in the checkpoint
 * folder or in its run's `last/` beside it; else undefined.
 */
export function checkpointTrainingCsv(dir: string): string | undefined {
  for (const state of [join(dir, 'training_state.json'), join(dirname(dir), 'last', 'training_state.json')]) {
    if (!existsSync(state)) continue;
    try {
      const csv = (JSON.parse(readFileSync(state, 'utf8')) as { data?: { trainCsv?: unknown } }).data?.trainCsv;
      if (typeof csv === 'string' && existsSync(csv)) return csv;
    } catch {
      // An unreadable state file: fall back to the bundled data.
    }
  }
  return undefined;
}

/** Which CSV to mix in for a model whose heads live in `headsDir`. */
export function mixCsvFor(headsDir: string | undefined): string {
  return (headsDir && checkpointTrainingCsv(headsDir)) || bundledDataCsv();
}

/** The rows of a training CSV as text + string labels (bad rows skipped: it is background data). */
export async function readMixRows(path: string): Promise<TextRow[]> {
  const csv = await readTrainingCsv(path, { onBadRow: 'skip' });
  return csv.rows.map((r) => ({
    text: r.text,
    labels: Object.fromEntries(csv.tasks.flatMap((t) => (r.labels[t.name] === null ? [] : [[t.name, t.labels[r.labels[t.name]!]!]]))),
  }));
}

export interface TrainingSet {
  /** Tasks after growth (new labels appended). */
  readonly tasks: TaskSpec[];
  readonly heads: Map<string, Tensor>;
  readonly texts: string[];
  readonly rows: RowLabels[];
  readonly weights: number[];
  /** Indices of the person's rows in texts/rows. */
  readonly userRows: number[];
  readonly heldOut: { readonly texts: string[]; readonly rows: RowLabels[] };
  readonly ignored: string[];
}

export function buildTrainingSet(
  base: { readonly tasks: readonly TaskSpec[]; readonly heads: ReadonlyMap<string, Tensor> },
  labels: LabelsTable,
  mix: readonly TextRow[] | undefined,
  userWeight: number,
): TrainingSet {
  const known = new Set(base.tasks.map((t) => t.name));
  const ignored = labels.tasks.filter((t) => !known.has(t)).map((t) => `column "${t}" of the labels file is not a task of the model (its tasks: ${[...known].join(', ')}); it is not used`);
  const newLabels: Record<string, string[]> = {};
  for (const r of labels.rows) {
    for (const t of base.tasks) {
      const l = r.labels[t.name];
      if (l && !t.labels.includes(l)) (newLabels[t.name] ??= []).push(l);
    }
  }
  const { tasks, weights: heads } = growHeads(base.tasks, base.heads, newLabels, GROW_SEED);
  const index = (row: Readonly<Record<string, string>>): RowLabels =>
    Object.fromEntries(tasks.map((t) => [t.name, row[t.name] !== undefined && t.labels.includes(row[t.name]!) ? t.labels.indexOf(row[t.name]!) : null]));
  const set: TrainingSet = { tasks, heads, texts: [], rows: [], weights: [], userRows: [], heldOut: { texts: [], rows: [] }, ignored };
  const labelled = new Set(labels.rows.map((r) => r.sentence));
  for (const m of mix ?? []) {
    // A sentence the person labelled counts with their labels only.
    if (labelled.has(m.text)) continue;
    const row = index(m.labels);
    if (isHeldOut(m.text)) {
      set.heldOut.texts.push(m.text);
      set.heldOut.rows.push(row);
    } else {
      set.texts.push(m.text);
      set.rows.push(row);
      set.weights.push(1);
    }
  }
  for (const r of labels.rows) {
    const row = index(r.labels);
    if (Object.values(row).every((v) => v === null)) continue;
    set.userRows.push(set.texts.length);
    set.texts.push(r.sentence);
    set.rows.push(row);
    set.weights.push(userWeight);
  }
  return set;
}
