/**
 * sentenceLens/map in the server: reads the source (the extension's sentences, or a CSV the
 * server reads itself so a 10,000-row file never crosses IPC twice), then builds the map with
 * the model as classify answers (labels heads included), reporting progress per batch and per
 * ten projection epochs.
 */
import { buildSentenceMap, type MapModel } from '../engine/map/build-map.js';
import { readMapCsv } from '../engine/map/csv-source.js';
import { remapGold, sameTasks } from '../engine/map/map-data.js';
import type { MapParams, ProgressParams, SentenceMapData } from '../protocol.js';

export async function mapRequest(
  model: MapModel,
  p: MapParams,
  signal: AbortSignal,
  progress: (p: ProgressParams) => void,
  checkTexts: (texts: unknown) => void,
): Promise<SentenceMapData> {
  const readWith = model.tasks;
  const source = p.source.kind === 'csv' ? await readMapCsv(p.source.path, readWith, { textColumn: p.source.textColumn }) : { texts: p.source.texts };
  checkTexts(source.texts);
  const id = p.progressId;
  const data = await buildSentenceMap(model, source, {
    seed: p.seed,
    signal,
    onProgress: id ? (phase, done, total) => progress({ id, kind: 'map', phase, done, total }) : undefined,
  });
  // A retrain that finished while the map was built changed the labels the points answer with:
  // the CSV's gold labels were read against the labels before it.
  if (!('gold' in source) || sameTasks(readWith, data.tasks)) return data;
  const gold = remapGold(source.gold, readWith, data.tasks);
  const values = Object.fromEntries(Object.entries(data.values).map(([name, v]) => [name, gold[name] ? { ...v, gold: gold[name] } : { predicted: v.predicted, probs: v.probs }]));
  return { ...data, values };
}
