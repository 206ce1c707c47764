/**
 * A backbone without task heads (say all-MiniLM-L6-v2 fresh from the hub) gets topic and
 * sentiment heads trained once on the bundled data with the backbone frozen, saved as a
 * heads-only checkpoint keyed by the base model's commit (or its folder's identity), and
 * reused from then on.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir } from './cache-dir.js';
import type { DownloadOptions } from './hub.js';
import type { DeviceSetting } from './runtime/device.js';
import type { ModelSource } from './model/source.js';
import { WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './weights/model-weights.js';
import { SentenceLensError } from './errors.js';
import { train } from './train/trainer.js';
import type { TrainEvent } from './train/events.js';

export interface DefaultHeadsOptions extends DownloadOptions {
  /** Where heads checkpoints are kept; default $SENTENCE_LENS_CACHE or ~/.cache/sentence-lens. */
  readonly cacheDir?: string;
  /** The bundled training CSV (models/sentences.csv of the install). */
  readonly dataCsv: string;
  readonly device?: DeviceSetting;
  readonly onEvent?: (e: TrainEvent) => void;
}

/** A stable key for the backbone: hub id + commit, or the local folder's weights identity. */
function backboneKey(source: ModelSource): string {
  if (source.modelId && source.commit) return `${source.modelId.replace('/', '--')}/${source.commit}`;
  const single = join(source.backboneDir, WEIGHTS_FILE);
  const weights = existsSync(single) ? single : join(source.backboneDir, WEIGHTS_INDEX_FILE);
  const st = statSync(weights);
  const hash = createHash('sha256').update(`${weights}|${st.size}|${st.mtimeMs}`).digest('hex').slice(0, 16);
  return `local/${hash}`;
}

/** The folder of default heads for this backbone, training them first if needed. */
export async function ensureDefaultHeads(source: ModelSource, options: DefaultHeadsOptions): Promise<string> {
  const dir = join(options.cacheDir ?? defaultCacheDir(), 'default-heads', backboneKey(source));
  if (existsSync(join(dir, 'tasks.json'))) return dir;
  options.onEvent?.({ type: 'message', level: 'info', message: 'this model has no topic/sentiment heads yet: training them once on the bundled data (backbone frozen)' });
  const work = await mkdtemp(join(tmpdir(), 'sl-default-heads-'));
  try {
    const result = await train(
      {
        csv: options.dataCsv,
        model: source.modelId && source.commit ? source.modelId : source.backboneDir,
        out: work,
        freeze: 'backbone',
        epochs: 30,
        batchSize: 32,
        lr: 5e-3,
        warmup: 0.05,
        valSplit: 0.1,
        patience: 5,
        seed: 42,
        device: options.device ?? 'auto',
      },
      { onEvent: options.onEvent, signal: options.signal, download: options },
    );
    // A cancelled run's last checkpoint holds half-trained heads: never cache those.
    if (result.status === 'cancelled') throw new SentenceLensError('CANCELLED', 'training the default heads was cancelled');
    const best = result.best ?? result.last;
    if (!best) throw new SentenceLensError('BAD_CSV', `training the default heads on ${options.dataCsv} ended without a checkpoint (${result.status})`);
    await rm(dir, { recursive: true, force: true });
    await cp(best.dir, dir, { recursive: true, filter: (src) => !/training_state/.test(src) });
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
