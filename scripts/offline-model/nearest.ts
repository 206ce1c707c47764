/**
 * The Find Similar check: over every sentence of a paraphrase file (sentence,paraphrase
 * columns), is its own partner the nearest of all the other sentences by cosine similarity of
 * the model's embeddings? The build measures it on models/dev-paraphrases.csv to choose its
 * recipe, and on models/paraphrases.csv only in the final report.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { SentenceModel } from '../../src/engine/inference.js';

export interface NearestShare {
  /** Share of the 2·pairs sentences whose nearest neighbour is their partner. */
  readonly share: number;
  readonly pairs: number;
}

export async function paraphraseShare(model: SentenceModel, path: string): Promise<NearestShare> {
  const pairs = parse(await readFile(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const texts = pairs.flatMap((p) => [p['sentence']!, p['paraphrase']!]);
  const vecs = (await model.run(texts)).map((r) => {
    const n = Math.hypot(...r.embedding);
    return r.embedding.map((x) => x / n);
  });
  let hits = 0;
  vecs.forEach((v, i) => {
    let best = -1;
    let bestSim = -Infinity;
    vecs.forEach((w, j) => {
      if (j === i) return;
      let s = 0;
      for (let k = 0; k < v.length; k++) s += v[k]! * w[k]!;
      if (s > bestSim) [best, bestSim] = [j, s];
    });
    // Sentences come in pairs (2k, 2k+1): a sentence's partner is its index with the last bit flipped.
    if (best === (i ^ 1)) hits++;
  });
  return { share: hits / texts.length, pairs: pairs.length };
}
