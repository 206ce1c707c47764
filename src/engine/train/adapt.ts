/**
 * Domain adaptation before fine-tuning: masked-LM pretraining of the starting backbone on the
 * workspace's own unlabelled text (a standard step: continued pretraining on in-domain text
 * makes the words and phrasing of that domain familiar before the heads learn from few labels).
 * Runs in `<out>/adapt`; the fine-tuning run then starts from the adapted backbone, with the
 * starting model's heads when it had some. Its events reach the caller as 'adapting' progress
 * and messages, so a panel shows one run.
 */
import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SentenceLensError } from '../errors.js';
import type { DownloadOptions } from '../hub.js';
import { resolveModelSource } from '../model/source.js';
import { pretrain } from '../pretrain/pretrain.js';
import type { TrainEvent } from './events.js';
import type { ResolvedTrainOptions } from './trainer-options.js';
import type { RunReporter } from './trainer-report.js';

/** Learning rate of adaptation: continued pretraining, gentle as BERT's fine-tuning rates. */
export const ADAPT_LR = 5e-5;

export async function adaptBackbone(o: ResolvedTrainOptions & { adapt: readonly string[] }, report: RunReporter, ctx: { signal?: AbortSignal; download?: DownloadOptions }): Promise<string> {
  const out = join(o.out, 'adapt');
  report.message('info', `adapting ${o.model} to ${o.adapt.join(', ')} (masked-LM pretraining) before fine-tuning`);
  const forward = (e: TrainEvent) => {
    if (e.type === 'progress' && e.phase === 'training') report.progress('adapting', { done: e.step, total: e.totalSteps, loss: e.loss });
    else if (e.type === 'message') report.message(e.level, `adapt: ${e.message}`);
    else if (e.type === 'evaluation' && e.report.mlm) report.message('info', `adapt: step ${e.step} perplexity ${e.report.mlm.perplexity.toFixed(2)}`);
  };
  const result = await pretrain({
    files: o.adapt, model: o.model, out, epochs: o.adaptEpochs, batchSize: o.batchSize, maxLength: o.maxLength, lr: ADAPT_LR,
    seed: o.seed, device: o.device, dropout: o.dropout,
  }, { signal: ctx.signal, onEvent: forward, download: ctx.download });
  if (result.status === 'cancelled') throw new SentenceLensError('CANCELLED', `cancelled during domain adaptation at step ${result.step}; start the run again to adapt and fine-tune`);
  const dir = result.best?.dir ?? result.last!.dir;
  // Heads the starting model had carry over, so fine-tuning continues them.
  const source = await resolveModelSource(o.model, ctx.download);
  if (source.headsDir) {
    for (const f of ['tasks.json', 'heads.safetensors']) if (existsSync(join(source.headsDir, f))) await copyFile(join(source.headsDir, f), join(dir, f));
  }
  report.message('info', `adapted backbone: ${dir}${result.metrics?.mlm ? ` (validation perplexity ${result.metrics.mlm.perplexity.toFixed(2)})` : ''}`);
  return dir;
}
