/**
 * What pretraining trains on, as the shared loop (train/trainer-loop.ts) sees it: packed
 * sequences masked anew each epoch (batches for the step engine, host or GPU-resident), the
 * validation sequences masked once (the same masks at every evaluation, so perplexities
 * compare), and …ForMaskedLM checkpoints.
 */
import { lengthBuckets } from '../batching.js';
import type { EvalReport } from '../train/evaluate.js';
import type { StepEngine } from '../train/step-engine.js';
import type { LoopData, LoopStateJson } from '../train/trainer-loop.js';
import type { RunReporter } from '../train/trainer-report.js';
import { STATE_FORMAT } from '../train/training-state.js';
import { type MaskOptions, type MlmBatch, mlmBatch } from './mlm-data.js';
import type { MlmEvalOutput } from './mlm-runner.js';
import { savePretrainCheckpoint } from './pretrain-checkpoint.js';
import type { ResolvedPretrainOptions } from './pretrain-options.js';
import type { PretrainSetup } from './pretrain-setup.js';

/** The epoch number validation masks are drawn with: never a training epoch. */
const EVAL_EPOCH = 0x7fffffff;

/** The training state of a pretraining run (training_state.json). */
export interface PretrainStateJson extends LoopStateJson {
  readonly kind: 'pretrain';
  readonly options: ResolvedPretrainOptions;
  readonly data: { readonly files: readonly string[]; readonly trainSequences: number; readonly valSequences: number; readonly fingerprint: string };
  readonly tasks: [];
}

export function maskOptions(o: ResolvedPretrainOptions): MaskOptions {
  return { rate: o.maskRate, wholeWord: o.wholeWord };
}

/** Mean NLL, perplexity and top-1 accuracy of the masked predictions over the validation sequences. */
export async function evaluateMlm(setup: PretrainSetup, runner: Pick<StepEngine<MlmBatch, MlmEvalOutput>, 'evaluate'>, report?: RunReporter): Promise<EvalReport> {
  const { val, ids, options: o } = setup;
  let nll = 0;
  let correct = 0;
  let count = 0;
  let done = 0;
  report?.progress('evaluating', { done: 0, total: val.length });
  for (const bucket of lengthBuckets(val.map((s) => s.ids.length), o.batchSize)) {
    const batch = mlmBatch(val, bucket.indices, o.seed, EVAL_EPOCH, ids, maskOptions(o));
    if (batch.positions.length > 0) {
      const out = await runner.evaluate(batch);
      nll += out.loss * out.count;
      correct += out.correct;
      count += out.count;
    }
    done += bucket.indices.length;
    report?.progress('evaluating', { done, total: val.length });
  }
  const loss = count > 0 ? nll / count : 0;
  return { loss, examples: val.length, tasks: {}, mlm: { perplexity: Math.exp(loss), accuracy: count > 0 ? correct / count : 0, predictions: count } };
}

export function pretrainData(setup: PretrainSetup, engine: Pick<StepEngine<MlmBatch, MlmEvalOutput>, 'evaluate'>, report: RunReporter): LoopData<MlmBatch> {
  const { train, ids, options: o } = setup;
  return {
    trainLengths: train.map((s) => s.ids.length),
    hasValidation: setup.val.length > 0,
    // Masks depend on the epoch, so each epoch predicts other tokens of the same sequences.
    batch: (indices, epoch) => mlmBatch(train, indices, o.seed, epoch, ids, maskOptions(o)),
    evaluate: () => evaluateMlm(setup, engine, report),
    save(dir, state) {
      if (!state) return savePretrainCheckpoint(dir, setup);
      const json: PretrainStateJson = {
        ...state.json, format: STATE_FORMAT, kind: 'pretrain', options: o, tasks: [],
        data: { files: o.files, trainSequences: train.length, valSequences: setup.val.length, fingerprint: setup.fingerprint },
      };
      return savePretrainCheckpoint(dir, setup, { json, optimizer: state.optimizer });
    },
  };
}
