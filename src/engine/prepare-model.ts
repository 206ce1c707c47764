/**
 * The step above inference and training that the server and the CLI call for a ready model:
 * resolve it, give a head-less backbone topic/sentiment heads (trained once on the bundled
 * data, then reused), and load it for inference. It lives here, not in inference.ts, so that
 * loading a model for inference never imports the trainer.
 */
import { type DefaultHeadsOptions, ensureDefaultHeads } from './default-heads.js';
import type { DownloadOptions } from './hub.js';
import { type InferenceOptions, SentenceModel } from './inference.js';
import { resolveModelSource } from './model/source.js';

/** Train topic/sentiment heads on the bundled data when the model has none. */
export type DefaultHeadsSettings = Pick<DefaultHeadsOptions, 'dataCsv' | 'cacheDir' | 'onEvent'>;

export async function prepareSentenceModel(
  model: string,
  options: InferenceOptions & DownloadOptions & { defaultHeads?: DefaultHeadsSettings } = {},
): Promise<SentenceModel> {
  let source = await resolveModelSource(model, options);
  if (!source.headsDir && options.defaultHeads) {
    source = { ...source, headsDir: await ensureDefaultHeads(source, { ...options, ...options.defaultHeads, device: options.device }) };
  }
  return SentenceModel.fromSource(source, options);
}
