/**
 * Builds a sentence map: embed and classify every sentence with the loaded model (one pass gives
 * both), project the embeddings to 2-D, and lay the results out as SentenceMapData. Shared by the
 * model server (the editor's map) and the CLI (`sentence-lens map`).
 */
import type { RunOptions, SentenceResult } from '../inference.js';
import { SentenceLensError } from '../errors.js';
import { type MapTask, type SentenceMapData, mapValues } from './map-data.js';
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

/**
 * What answers for the map: a loaded SentenceModel (the CLI), or in the model server the model
 * with the workspace's labels heads on top, so the map shows what the editor shows. `tasks` is
 * read after `run`, and must then describe the labels `run` answered with.
 */
export interface MapModel {
  readonly tasks: readonly MapTask[];
  run(texts: readonly string[], options: RunOptions): Promise<readonly SentenceResult[]>;
}

export async function buildSentenceMap(model: MapModel, source: MapSource, options: BuildMapOptions = {}): Promise<SentenceMapData> {
  if (source.texts.length === 0) throw new SentenceLensError('BAD_ARGUMENT', 'no sentences to map: the document or CSV holds no text');
  const t0 = performance.now();
  const results = await model.run(source.texts, { signal: options.signal, onProgress: (d, t) => options.onProgress?.('embed', d, t) });
  const tasks = model.tasks;
  const t1 = performance.now();
  const projection = await project(
    results.map((r) => r.embedding),
    { ...options, onProgress: (d, t) => options.onProgress?.('project', d, t) },
  );
  const t2 = performance.now();
  return {
    texts: [...source.texts],
    xy: Array.from(projection.xy),
    method: projection.method,
    params: projection.params,
    tasks: tasks.map((t) => ({ name: t.name, labels: [...t.labels] })),
    values: mapValues(tasks, results, source.gold),
    ...(source.lines ? { lines: [...source.lines] } : {}),
    notes: [...(source.notes ?? [])],
    timings: { embedMs: t1 - t0, projectMs: t2 - t1 },
  };
}
