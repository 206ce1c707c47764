/** A small generated model folder with random topic/sentiment heads, for extension and server tests. */
import { generateModelFolder, readBundledSentences } from '../../src/engine/model/generate.js';
import { DEFAULT_TASKS, initHeadWeights } from '../../src/engine/model/heads.js';
import { writeHeads } from '../../src/engine/model/tasks-file.js';

export async function makeTestModel(dir: string, options: { heads?: boolean } = {}): Promise<void> {
  await generateModelFolder(dir, { texts: await readBundledSentences(), seed: 3 });
  if (options.heads ?? true) {
    await writeHeads(dir, { tasks: DEFAULT_TASKS, pooling: 'mean' }, initHeadWeights(DEFAULT_TASKS, 32, 1, 1.0));
  }
}
