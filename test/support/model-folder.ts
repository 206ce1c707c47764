/** Generated model folders with random topic/sentiment heads, for tests and the editor bench. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModelFolder, type GenerateModelOptions, readBundledSentences } from '../../src/engine/model/generate.js';
import { DEFAULT_TASKS, initHeadWeights } from '../../src/engine/model/heads.js';
import { writeHeads } from '../../src/engine/model/tasks-file.js';
import { SAMPLE_SENTENCES } from '../../src/engine/model/sample-sentences.js';

export async function tempDir(prefix = 'sl-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes a generated BERT folder into `dir`, with random heads (std 1 so labels vary) unless `heads: false`. */
export async function writeModelWithHeads(dir: string, options: GenerateModelOptions & { heads?: boolean; headSeed?: number } = {}): Promise<void> {
  const { heads = true, headSeed = 9, ...generate } = options;
  await generateModelFolder(dir, generate);
  if (!heads) return;
  const hidden = options.config?.hidden_size ?? 32;
  await writeHeads(dir, { tasks: DEFAULT_TASKS, pooling: 'mean' }, initHeadWeights(DEFAULT_TASKS, hidden, headSeed, 1.0));
}

/** A tiny BERT with heads in a fresh temp folder; its path. */
export async function modelWithHeads(options: GenerateModelOptions = {}): Promise<string> {
  const dir = await tempDir('sl-model-');
  // Weights wider than BERT's 0.02 init make sentences' vectors, and so labels, differ.
  await writeModelWithHeads(dir, { texts: SAMPLE_SENTENCES, seed: 5, randomLayerNorm: true, ...options, config: { initializer_range: 0.3, ...options.config } });
  return dir;
}

/** The extension's and server's test model: vocabulary from the bundled data, BERT's init. */
export async function makeTestModel(dir: string, options: { heads?: boolean } = {}): Promise<void> {
  await writeModelWithHeads(dir, { texts: await readBundledSentences(), seed: 3, heads: options.heads, headSeed: 1 });
}
