/** Tokenizer throughput on generated prose-like sentences: `node --import tsx bench/tokenize.ts`. */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModelFolder } from '../src/engine/model/generate.js';
import { SAMPLE_SENTENCES } from '../src/engine/model/sample-sentences.js';
import { Rng } from '../src/engine/random.js';
import { SentenceTokenizer } from '../src/engine/tokenizer.js';

const rng = new Rng(42);
const words = SAMPLE_SENTENCES.join(' ').split(/\s+/);
const sentences = Array.from({ length: 2000 }, () => {
  const n = 4 + rng.int(57); // 4 to 60 words, like real documents
  return Array.from({ length: n }, () => words[rng.int(words.length)]).join(' ');
});

const dir = await mkdtemp(join(tmpdir(), 'sl-bench-'));
try {
  await generateModelFolder(dir, { texts: sentences, seed: 1 });
  const tok = await SentenceTokenizer.load(dir);
  tok.encode(sentences.slice(0, 50), 128); // warm-up
  const runs: number[] = [];
  let tokens = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const { ids } = tok.encode(sentences, 128);
    runs.push(performance.now() - t0);
    tokens = ids.reduce((a, row) => a + row.length, 0);
  }
  runs.sort((a, b) => a - b);
  console.log(`${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(`2000 sentences, ${tokens} tokens, vocab ${tok.vocabSize}: median ${runs[2]!.toFixed(1)} ms, best ${runs[0]!.toFixed(1)} ms`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
