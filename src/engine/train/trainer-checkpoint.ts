/**
 * A run's checkpoints: a full checkpoint (Hugging Face folder of the backbone's class + heads) when the
 * backbone trains, a heads-only one naming its base when it is frozen; `last` also carries
 * the training state. Each is written to a temp folder and swapped in (atomic).
 */
import type { Tensor } from '../model/tensor.js';
import { saveFullCheckpoint, saveHeadsOnlyCheckpoint } from '../weights/checkpoint.js';
import type { OptimizerState } from './optimizer.js';
import type { RunSetup } from './trainer-setup.js';
import { type TrainingStateJson, writeTrainingState } from './training-state.js';

export async function saveRunCheckpoint(dir: string, setup: RunSetup, state?: { json: TrainingStateJson; optimizer: OptimizerState }): Promise<void> {
  const { params, shapes, tasks, pooling, model } = setup;
  const tensor = (n: string): Tensor => ({ shape: shapes.get(n)!, data: params.get(n) });
  const heads = new Map(params.names().filter((n) => n.startsWith('heads.')).map((n) => [n, tensor(n)]));
  const extra = state ? (tmp: string) => writeTrainingState(tmp, state.json, state.optimizer) : undefined;
  if (setup.trainsBackbone) {
    const backbone = new Map<string, Tensor>(params.names().filter((n) => !n.startsWith('heads.')).map((n) => [n, tensor(n)]));
    for (const [n, t] of model.extras) backbone.set(n, t);
    await saveFullCheckpoint(dir, {
      config: model.config,
      rawConfig: model.rawConfig,
      backbone,
      heads,
      tasks: { tasks, pooling },
      tokenizerDir: model.dir,
      sentenceTransformers: { pooling, normalize: false, maxLength: setup.options.maxLength, lowercase: setup.lowercase },
      dtype: setup.options.saveDtype === 'source' ? model.weightsDtype : 'F32',
    }, extra);
  } else {
    await saveHeadsOnlyCheckpoint(dir, { heads, tasks: { tasks, pooling, base: setup.base } }, extra);
  }
}
