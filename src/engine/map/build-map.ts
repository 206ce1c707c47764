/**
 * Builds a sentence map: embed and classify every sentence with the loaded model (one pass gives
 * both), project the embeddings to 2-D, and lay the results out as SentenceMapData. Shared by the
 * model server (the editor's map) and the CLI (`sentence-lens map`).
 */
import type { SentenceModel } from '../inference.js';
import { SentenceLensError } from '../errors.js';
import type { MapTaskValues, SentenceMapData } from './map-data.js';
import { project, type ProjectionOptions } from './projection.js';

export interface MapSource {
  readonly texts: readonly string[];
  /** Task → gold label index per text (-1: none). */
  readonly gold?: Readonly<Record<string, readonly number[]>>;
  readonly lines?: readonly number[];
  readonly notes?: readonly string[];
}

export type MapPhase = 'embed' | 'project';

export interface BuildMapOptions extends Pick<ProjectionOptions, 'method' | 'seed' | 'nNeighbors' | 'minDist' | 'nEpochs'> {
  readonly signal?: AbortSignal;
  readonly onProgress?: (phase: MapPhase, done: number, total: number) => void;
}

export async function buildSentenceMap(model: SentenceModel, source: MapSource, options: BuildMapOptions = {}): Promise<SentenceMapData> {
  if (source.texts.length === 0) throw new SentenceLensError('BAD_ARGUMENT', 'no sentences to map: the document or CSV holds no text');
  const t0 = performance.now();
  const results = await model.run(source.texts, { signal: options.signal, onProgress: (d, t) => options.onProgress?.('embed', d, t) });
  const t1 = performance.now();
  const projection = await project(
    results.map((r) => r.embedding),
    { ...options, onProgress: (d, t) => options.onProgress?.('project', d, t) },
  );
  const t2 = performance.now();
  const values: Record<string, MapTaskValues> = {};
  for (const task of model.tasks) {
    const probs: number[] = [];
    const predicted = results.map((r) => {
      const p = r.tasks[task.name]!;
      for (const l of task.labels) probs.push(p.probs[l]!);
      return task.labels.indexOf(p.label);
    });
    const gold = source.gold?.[task.name];
    values[task.name] = gold ? { predicted, probs, gold: [...gold] } : { predicted, probs };
  }
  return {
    texts: [...source.texts],
    xy: Array.from(projection.xy),
    method: projection.method,
    params: projection.params,
    tasks: model.tasks.map((t) => ({ name: t.name, labels: [...t.labels] })),
    values,
    ...(source.lines ? { lines: [...source.lines] } : {}),
    notes: [...(source.notes ?? [])],
    timings: { embedMs: t1 - t0, projectMs: t2 - t1 },
  };
}
