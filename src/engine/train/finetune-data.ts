/**
 * What fine-tuning trains on, as the shared loop (trainer-loop.ts) sees it: the labelled rows
 * of the run's CSV collated into batches for the step engine (full graph or heads-only, host
 * or GPU-resident), the validation rows evaluated per task, and checkpoints with heads and the
 * CSV's split by line.
 */
import { collate, type Example } from '../data/dataset.js';
import { evaluateExamples, type EvalReport } from './evaluate.js';
import type { StepEngine } from './step-engine.js';
import type { RunnerBatch } from './step-runner.js';
import { collateWithPairs, drawPairs } from './pair-batches.js';
import { PAIR_DEFAULTS } from './trainer-options.js';
import { saveRunCheckpoint } from './trainer-checkpoint.js';
import type { LoopData } from './trainer-loop.js';
import type { RunReporter } from './trainer-report.js';
import type { RunSetup } from './trainer-setup.js';

/** Evaluates `examples` with progress events (phase 'evaluating'). */
export function evaluateWithProgress(setup: RunSetup, engine: Pick<StepEngine, 'evaluate'>, report: RunReporter, examples: readonly Example[], split: 'train' | 'val'): Promise<EvalReport> {
  const o = setup.options;
  report.progress('evaluating', { done: 0, total: examples.length });
  return evaluateExamples(engine, examples, setup.tasks, {
    batchSize: o.batchSize, padId: setup.model.tokenizer.padId, lossWeights: o.lossWeights, split,
    onProgress: (done, total) => report.progress('evaluating', { done, total }),
  });
}

export function fineTuneData(setup: RunSetup, engine: Pick<StepEngine, 'evaluate'>, report: RunReporter, fingerprint: string): LoopData<RunnerBatch> {
  const { dataset, options: o } = setup;
  const names = setup.tasks.map((t) => t.name);
  return {
    trainLengths: dataset.train.map((e) => e.ids.length),
    hasValidation: dataset.val.length > 0,
    batch(indices, _epoch, seed) {
      const padId = setup.model.tokenizer.padId;
      const pairs = setup.pairs?.pairs;
      // The step's pairs are drawn from its seed, so a resumed run draws the same ones.
      const data = pairs
        ? collateWithPairs(dataset.train, indices, pairs, drawPairs(pairs.length, o.pairsPerStep ?? PAIR_DEFAULTS.pairsPerStep, seed), names, padId)
        : collate(dataset.train, indices, names, padId);
      return { data, indices, split: 'train' };
    },
    evaluate: () => evaluateWithProgress(setup, engine, report, dataset.val, 'val'),
    save: (dir, state) => saveRunCheckpoint(dir, setup, state && {
      optimizer: state.optimizer,
      json: {
        ...state.json,
        options: o,
        data: { trainCsv: o.csv, valCsv: o.val, trainLines: dataset.train.map((e) => e.line), valLines: dataset.val.map((e) => e.line), fingerprint },
        tasks: dataset.tasks.map((t) => ({ name: t.name, column: t.column, labels: t.labels })),
      },
    }),
  };
}
