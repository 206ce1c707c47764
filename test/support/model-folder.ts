/** Generated model folders for tests, cached per process (generation is deterministic). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModelFolder, type GenerateModelOptions } from '../../src/engine/model/generate.js';
import { DEFAULT_TASKS, initHeadWeights } from '../../src/engine/model/heads.js';
import { writeHeads } from '../../src/engine/model/tasks-file.js';
import { SAMPLE_SENTENCES } from '../../src/engine/model/sample-sentences.js';

export async function tempDir(prefix = 'sl-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A tiny BERT folder with random topic and sentiment heads (std 1 so labels vary). */
export async function modelWithHeads(options: GenerateModelOptions = {}): Promise<string> {
  const dir = await tempDir('sl-model-');
  // Weights wider than BERT's 0.02 init make sentences' vectors, and so labels, differ.
  await generateModelFolder(dir, { texts: SAMPLE_SENTENCES, seed: 5, randomLayerNorm: true, ...options, config: { initializer_range: 0.3, ...options.config } });
  const hidden = options.config?.hidden_size ?? 32;
  await writeHeads(dir, { tasks: DEFAULT_TASKS, pooling: 'mean' }, initHeadWeights(DEFAULT_TASKS, hidden, 9, 1.0));
  return dir;
}
