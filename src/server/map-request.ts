/**
 * sentenceLens/map in the server: reads the source (the extension's sentences, or a CSV the
 * server reads itself so a 10,000-row file never crosses IPC twice), then builds the map with
 * the loaded model, reporting progress per batch and per ten projection epochs.
 */
import { buildSentenceMap } from '../engine/map/build-map.js';
import { readMapCsv } from '../engine/map/csv-source.js';
import type { SentenceModel } from '../engine/inference.js';
import type { MapParams, ProgressParams, SentenceMapData } from '../protocol.js';

export async function mapRequest(
  model: SentenceModel,
  p: MapParams,
  signal: AbortSignal,
  progress: (p: ProgressParams) => void,
  checkTexts: (texts: unknown) => void,
): Promise<SentenceMapData> {
  const source = p.source.kind === 'csv' ? await readMapCsv(p.source.path, model.tasks, { textColumn: p.source.textColumn }) : { texts: p.source.texts };
  checkTexts(source.texts);
  const id = p.progressId;
  return buildSentenceMap(model, source, {
    seed: p.seed,
    signal,
    onProgress: id ? (phase, done, total) => progress({ id, kind: 'map', phase, done, total }) : undefined,
  });
}
