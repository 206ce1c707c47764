/**
 * The sentence pairs of the fine-tuning stage's contrastive objective, written as one pairs CSV:
 *   - the hand-written paraphrase pairs of models/training-pairs.csv, repeated `handRepeat`
 *     times so that they come up as often as the rest;
 *   - unsupervised SimCSE rows (a sentence paired with itself; two dropout masks tell the two
 *     encodings apart) for the labelled training sentences and for `simcseWordnet` WordNet
 *     usage examples drawn with the build's seed.
 * Never from models/paraphrases.csv (the final report's check) or models/dev-paraphrases.csv
 * (the recipe's validation measure).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Rng } from '../../src/engine/random.js';

export interface PairSources {
  readonly root: string;
  readonly seed: number;
  /** The training sentences of the fine-tuning split (never its validation rows). */
  readonly trainSentences: readonly string[];
  /** WordNet lines of the corpus stage: usage examples are the lines without a "lemma: " gloss. */
  readonly wordnetLines: readonly string[];
  readonly handRepeat: number;
  readonly simcseWordnet: number;
}

export const TRAINING_PAIRS_FILE = 'training-pairs.csv';

const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Writes the pairs CSV; returns how many rows of each kind it holds. */
export async function writePairsCsv(path: string, src: PairSources): Promise<{ hand: number; simcse: number }> {
  const hand = (parse(await readFile(join(src.root, 'models', TRAINING_PAIRS_FILE), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[])
    .map((r) => [r['sentence']!, r['paraphrase']!] as const);
  const rng = new Rng(src.seed ^ 0x51ce);
  const examples = rng.shuffle(src.wordnetLines.filter((l) => l !== '' && !/^[^:]+: /.test(l))).slice(0, src.simcseWordnet);
  const self = [...src.trainSentences, ...examples].map((s) => [s, s] as const);
  const rows = [...Array.from({ length: src.handRepeat }, () => hand).flat(), ...self];
  await writeFile(path, ['sentence,paraphrase', ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n');
  return { hand: hand.length * src.handRepeat, simcse: self.length };
}
