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
