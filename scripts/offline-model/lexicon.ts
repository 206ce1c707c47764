/**
 * Word-level sentiment from the VADER lexicon (npm `vader-sentiment`, Apache-2.0; the lexicon
 * is C.J. Hutto's, MIT): lowercase words whose mean human valence rating is at least
 * `minValence` away from neutral, as sentiment-only training rows (no topic label, so the
 * topic loss ignores them). They teach the sentiment head the polarity of words the
 * labelled sentences never use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export function vaderLexiconPath(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve('vader-sentiment/package.json'), '..', 'vader_lexicon.txt');
}

export function lexiconRows(minValence: number, path = vaderLexiconPath()): { word: string; sentiment: 'positive' | 'negative' }[] {
  const out: { word: string; sentiment: 'positive' | 'negative' }[] = [];
  const seen = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [word, mean] = line.split('\t');
    const v = Number(mean);
    if (!word || !/^[a-z]+$/.test(word) || !Number.isFinite(v) || Math.abs(v) < minValence || seen.has(word)) continue;
    seen.add(word);
    out.push({ word, sentiment: v > 0 ? 'positive' : 'negative' });
  }
  return out;
}
