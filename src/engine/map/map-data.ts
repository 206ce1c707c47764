/**
 * What a sentence map is, as plain JSON: the model server builds it, the extension passes it to
 * the map webview, the CLI writes it into a report. Columnar arrays (not one object per point),
 * so 10,000 points cross IPC and postMessage as a few flat arrays. Pure: no imports, so the
 * browser bundles can use the helpers below too.
 */
export type MapMethod = 'umap' | 'pca';

export interface MapTask {
  readonly name: string;
  readonly labels: readonly string[];
}

export interface MapTaskValues {
  /** The model's label index per point. */
  readonly predicted: readonly number[];
  /** Probabilities, point-major: point i's are probs[i*K … i*K+K-1] for the task's K labels. */
  readonly probs: readonly number[];
  /** The CSV's label index per point, -1 where the row has none; absent when the source has no such column. */
  readonly gold?: readonly number[];
}

export interface SentenceMapData {
  readonly texts: readonly string[];
  /** x0, y0, x1, y1, … in projection units (the drawing fits them to the canvas). */
  readonly xy: readonly number[];
  readonly method: MapMethod;
  /** The projection's parameters, shown in a corner of the map. */
  readonly params: Readonly<Record<string, number>>;
  readonly tasks: readonly MapTask[];
  readonly values: Readonly<Record<string, MapTaskValues>>;
  /** For a CSV: the 1-based line each point's row starts on. */
  readonly lines?: readonly number[];
  /** Things the reader should know (rows skipped and why), shown under the map. */
  readonly notes: readonly string[];
  readonly timings: { readonly embedMs: number; readonly projectMs: number };
}

/** One sentence's answer per task, as classify gives it (src/engine/inference.ts TaskResult). */
export interface PointAnswer {
  readonly tasks: Readonly<Record<string, { readonly label: string; readonly probs: Readonly<Record<string, number>> }>>;
}

/**
 * Each task's predictions and probabilities in the map's columnar form, from per-sentence
 * answers (label names) and the tasks' label order; gold labels kept as given. The one place
 * both the map's builder and the editor's recolouring after a retrain turn answers into values.
 */
export function mapValues(tasks: readonly MapTask[], answers: readonly PointAnswer[], gold?: Readonly<Record<string, readonly number[]>>): Record<string, MapTaskValues> {
  const values: Record<string, MapTaskValues> = {};
  for (const task of tasks) {
    const probs: number[] = [];
    const predicted = answers.map((a) => {
      const r = a.tasks[task.name];
      for (const l of task.labels) probs.push(r?.probs[l] ?? 0);
      return r ? task.labels.indexOf(r.label) : -1;
    });
    const g = gold?.[task.name];
    values[task.name] = g ? { predicted, probs, gold: [...g] } : { predicted, probs };
  }
  return values;
}

/** The distinct sentences of `points` (a selection on the map), in point order. */
export function selectedSentences(data: SentenceMapData, points: readonly number[]): string[] {
  return [...new Set(points.filter((p) => p >= 0 && p < data.texts.length).map((p) => data.texts[p]!))];
}

/**
 * The same map with each point's answers replaced by `answers` (one per text, as classify gives
 * them after the heads retrained) under `tasks` (the labels the model has now, a new one
 * included): texts and layout kept, gold labels kept by name.
 */
export function recolouredMap(data: SentenceMapData, tasks: readonly MapTask[], answers: readonly PointAnswer[]): SentenceMapData {
  const now = tasks.map((t) => ({ name: t.name, labels: [...t.labels] }));
  const gold = Object.fromEntries(Object.entries(data.values).flatMap(([name, v]) => (v.gold ? [[name, v.gold]] : [])));
  return { ...data, tasks: now, values: mapValues(now, answers, remapGold(gold, data.tasks, now)) };
}

/** True when both name the same tasks with the same labels in the same order. */
export function sameTasks(a: readonly MapTask[], b: readonly MapTask[]): boolean {
  return a.length === b.length && a.every((t, i) => t.name === b[i]!.name && t.labels.length === b[i]!.labels.length && t.labels.every((l, j) => l === b[i]!.labels[j]));
}

/**
 * Gold label indices read against one label vocabulary (`from`), as indices into another (`to`),
 * by label name: -1 where `to` lacks the label. For a CSV read before the heads changed.
 */
export function remapGold(gold: Readonly<Record<string, readonly number[]>>, from: readonly MapTask[], to: readonly MapTask[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, indices] of Object.entries(gold)) {
    const a = from.find((t) => t.name === name);
    const b = to.find((t) => t.name === name);
    if (!a || !b) continue;
    out[name] = indices.map((g) => (g < 0 ? -1 : b.labels.indexOf(a.labels[g]!)));
  }
  return out;
}

export function pointCount(data: SentenceMapData): number {
  return data.texts.length;
}

/** Points whose gold label the model predicts differently, in point order. */
export function disagreements(data: SentenceMapData, task: string): number[] {
  const v = data.values[task];
  if (!v?.gold) return [];
  const out: number[] = [];
  v.gold.forEach((g, i) => {
    if (g >= 0 && g !== v.predicted[i]) out.push(i);
  });
  return out;
}

/** The label a point is coloured by: its gold label where the source has one, else the prediction. */
export function colourLabel(data: SentenceMapData, task: string, i: number): number {
  const v = data.values[task]!;
  const g = v.gold?.[i] ?? -1;
  return g >= 0 ? g : v.predicted[i]!;
}

/** The model's probability for its own prediction. */
export function confidence(data: SentenceMapData, task: string, i: number): number {
  const v = data.values[task]!;
  const k = data.tasks.find((t) => t.name === task)!.labels.length;
  return v.probs[i * k + v.predicted[i]!]!;
}

export function probabilities(data: SentenceMapData, task: string, i: number): { label: string; p: number }[] {
  const t = data.tasks.find((x) => x.name === task)!;
  const k = t.labels.length;
  return t.labels.map((label, j) => ({ label, p: data.values[task]!.probs[i * k + j]! }));
}

/** The task to colour by when none is chosen: one the source has gold labels for, else the first. */
export function defaultTask(data: SentenceMapData): string | undefined {
  return data.tasks.find((t) => data.values[t.name]?.gold)?.name ?? data.tasks[0]?.name;
}

/** Case-insensitive substring search over the sentences; empty query matches nothing. */
export function searchPoints(data: SentenceMapData, query: string): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const out: number[] = [];
  data.texts.forEach((t, i) => {
    if (t.toLowerCase().includes(q)) out.push(i);
  });
  return out;
}
