import { basename, extname } from 'node:path';
import { SentenceLensError } from '../../engine/errors.js';
import type { TrainEvent } from '../../engine/train/events.js';
import type { EvalReport } from '../../engine/train/evaluate.js';
import { train, type TrainResult } from '../../engine/train/trainer.js';
import type { TrainOptions } from '../../engine/train/trainer-options.js';
import type { CliIo, Command } from '../command.js';
import { progressReporter } from '../progress.js';
import { DEFAULT_MAX_LENGTH } from '../../engine/choices.js';
import { DEVICE_CHOICES, deviceOption, positiveInt } from '../shared-options.js';

const HELP = `  --model M              hub id, model folder or checkpoint to start from (required unless --resume)
  --out DIR              run folder: DIR/best and DIR/last (default runs/<csv>-<time>)
  --text-column C        column holding the sentences (default: guessed from the header)
  --task NAME=COLUMN     a task and its label column; repeat for several (default: guessed)
  --val CSV              a separate validation file (labels must be known to the train file)
  --val-split F          share of the train file held out for validation (default 0.1)
  --freeze P             none | backbone | embeddings | bottom:K | all (default none)
  --freeze-head TASK     keep a task's head fixed; repeatable
  --loss-weight TASK=W   weight of a task's loss (default 1; 0 turns it off); repeatable
  --epochs N             default 3
  --max-steps N          optimizer steps; overrides --epochs
  --batch-size N         sentences per micro-batch (default 16)
  --grad-accum N         micro-batches per optimizer step (default 1)
  --lr X                 peak learning rate (default 5e-5)
  --layer-lr-decay X     each layer below the top gets lr·X^depth (default 1: off)
  --optimizer O          adamw | sgd (default adamw)
  --weight-decay X       default 0.01 (adamw), 0 (sgd); never on biases and LayerNorm
  --warmup X             a fraction of the run (< 1) or a number of steps (default 0)
  --schedule S           linear | cosine | constant decay after warmup (default linear)
  --max-grad-norm X      clip the global gradient norm (default 1; 0: off)
  --dropout X            dropout rate (default: the model config's; 0: off)
  --max-length N         truncate sentences to N tokens (default ${DEFAULT_MAX_LENGTH})
  --seed N               seeds the split, shuffling, new heads and dropout (default 42)
  --no-shuffle           batches in file order
  --device D             ${DEVICE_CHOICES} (default auto)
  --eval-every N         also evaluate every N steps (default: each epoch only)
  --patience N           stop after N evaluations without a lower validation loss
  --on-bad-row error|skip  stop at a bad row (default) or skip it and report it
  --save-dtype D         float32 (default) | source: save model.safetensors in the base model's
                         dtype (F16/BF16 checkpoints train in fp32 and are rounded back)
  --resume DIR           continue an interrupted run (its run folder or last checkpoint)
  --adapt FILE|DIR       first adapt the model to this unlabelled text (masked-LM pretraining in
                         DIR/adapt), then fine-tune the adapted backbone; repeatable
  --adapt-epochs N       epochs of adaptation over that text (default 1)
  --pairs CSV            sentence pairs (sentence,paraphrase columns) for the contrastive objective:
                         each step also pulls every sentence towards its paraphrase and away from
                         the other pairs' sentences (in-batch ranking loss), so the embeddings stay
                         good for Find Similar; a row with the same text twice trains as SimCSE
  --pairs-per-step N     pairs added to each step's batch (default 32)
  --pair-weight X        weight of the pair loss beside each task's (default 1)
  --pair-scale X         scale of the cosine similarities, 1/temperature (default 20)
Progress goes to stderr, the JSON summary to stdout. Ctrl-C finishes the step, saves DIR/last and exits.`;

export function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(values: Record<string, unknown>, name: string): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new SentenceLensError('BAD_ARGUMENT', `--${name} expects a number, got "${v}"`);
  return n;
}

function pairs(values: Record<string, unknown>, name: string, what: string): [string, string][] | undefined {
  const list = values[name] as string[] | undefined;
  if (!list) return undefined;
  return list.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new SentenceLensError('BAD_ARGUMENT', `--${name} expects ${what}, got "${p}"`);
    return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
  });
}

export function summarizeMetrics(r: EvalReport | null) {
  if (!r) return null;
  return {
    loss: r.loss,
    examples: r.examples,
    tasks: Object.fromEntries(Object.entries(r.tasks).map(([t, m]) => [t, { loss: m.loss, accuracy: m.accuracy, macroF1: m.macroF1, count: m.count, labels: m.labels, confusion: m.confusion }])),
  };
}

/** Progress bar and messages on stderr. */
export function trainEventPrinter(io: CliIo, title: string): { onEvent: (e: TrainEvent) => void; stop: () => void } {
  const bar = progressReporter(io.stderr, title);
  let barActive = false;
  return {
    onEvent(e) {
      if (e.type === 'message') {
        if (!barActive || !io.stderr.isTTY) io.stderr.write(`${e.level === 'warning' ? 'warning: ' : ''}${e.message}\n`);
      } else if (e.type === 'evaluation') {
        const parts = Object.entries(e.report.tasks).map(([t, m]) => `${t} acc ${m.accuracy.toFixed(3)} F1 ${m.macroF1.toFixed(3)}`);
        const mlm = e.report.mlm;
        if (mlm) parts.push(`perplexity ${mlm.perplexity.toFixed(2)}, masked-token accuracy ${mlm.accuracy.toFixed(3)}`);
        if (!io.stderr.isTTY) io.stderr.write(`eval step ${e.step}: loss ${e.report.loss.toFixed(4)}, ${parts.join(', ')}${e.improved ? ' (best)' : ''}\n`);
      } else if (e.type === 'progress') {
        if (e.phase === 'tokenizing') return;
        barActive = true;
        if (e.phase === 'adapting') {
          if (e.done !== undefined && e.total !== undefined) bar.update(e.done, e.total, `adapting${e.loss !== undefined ? ` loss ${e.loss.toFixed(4)}` : ''}`);
          return;
        }
        if (e.totalSteps === 0) {
          // Evaluation only: rows done.
          if (e.done !== undefined && e.total !== undefined) bar.update(e.done, e.total, 'rows');
          return;
        }
        const loss = e.loss !== undefined ? ` loss ${e.loss.toFixed(4)}` : '';
        const label = e.phase === 'training' ? `epoch ${Math.min(e.epoch + 1, e.epochs)}/${e.epochs}${loss}` : e.phase;
        bar.update(e.step, e.totalSteps, label);
      }
    },
    stop: () => bar.stop(),
  };
}

function summary(r: TrainResult) {
  return {
    status: r.status,
    cancelled: r.status === 'cancelled',
    ...(r.message ? { message: r.message } : {}),
    step: r.step,
    totalSteps: r.totalSteps,
    epoch: r.epoch,
    epochs: r.epochs,
    device: r.device,
    // Where the optimizer ran (host, or in the graph with the state on the GPU) and the bytes
    // that crossed between host and device (0 on the CPU).
    optimizer: r.optimizer,
    transfers: r.transfers,
    freeze: r.freeze,
    trainExamples: r.trainExamples,
    valExamples: r.valExamples,
    metrics: summarizeMetrics(r.metrics),
    best: r.best,
    last: r.last,
    evaluations: r.history.evals.length,
    /** Mean training losses of the last logged steps, per task (and `pairs` with --pairs). */
    lastTrainLosses: r.history.train.at(-1)?.losses ?? null,
    warnings: r.warnings,
    skipped: r.skipped,
    elapsedSeconds: r.elapsedSeconds,
  };
}

function defaultOut(csv: string): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `runs/${basename(csv, extname(csv))}-${t}`;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'fine-tune the model and its task heads on a CSV; prints a JSON summary',
  usage: 'sentence-lens train CSV --model ID|DIR [--out DIR] [options]  |  sentence-lens train --resume DIR',
  help: HELP,
  options: {
    model: { type: 'string' }, out: { type: 'string' }, 'text-column': { type: 'string' },
    task: { type: 'string', multiple: true }, val: { type: 'string' }, 'val-split': { type: 'string' },
    freeze: { type: 'string' }, 'freeze-head': { type: 'string', multiple: true }, 'loss-weight': { type: 'string', multiple: true },
    epochs: { type: 'string' }, 'max-steps': { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' },
    'layer-lr-decay': { type: 'string' }, optimizer: { type: 'string' }, 'weight-decay': { type: 'string' }, warmup: { type: 'string' },
    schedule: { type: 'string' }, 'max-grad-norm': { type: 'string' }, dropout: { type: 'string' }, 'max-length': { type: 'string' },
    seed: { type: 'string' }, 'no-shuffle': { type: 'boolean' }, device: { type: 'string' }, resume: { type: 'string' },
    'on-bad-row': { type: 'string' }, 'grad-accum': { type: 'string' }, 'eval-every': { type: 'string' }, patience: { type: 'string' },
    adapt: { type: 'string', multiple: true }, 'adapt-epochs': { type: 'string' },
    'save-dtype': { type: 'string' },
    pairs: { type: 'string' }, 'pairs-per-step': { type: 'string' }, 'pair-weight': { type: 'string' }, 'pair-scale': { type: 'string' },
  },
  async run(values, positionals, io) {
    const resume = str(values, 'resume');
    const printer = trainEventPrinter(io, 'training');
    let result: TrainResult;
    try {
      if (resume !== undefined) {
        const allowed = new Set(['resume', 'device', 'out', 'help', 'debug']);
        const ignored = Object.keys(values).filter((k) => !allowed.has(k));
        if (ignored.length > 0 || positionals.length > 0) {
          io.stderr.write(`warning: --resume continues the run with its saved options and data; ignoring ${[...positionals, ...ignored.map((k) => `--${k}`)].join(', ')}\n`);
        }
        result = await train({ resume, device: values['device'] !== undefined ? deviceOption(values) : undefined, out: str(values, 'out') }, { signal: io.signal, onEvent: printer.onEvent });
      } else {
        const [csv, ...extra] = positionals;
        if (!csv || extra.length > 0) throw new SentenceLensError('BAD_ARGUMENT', 'expected exactly one training CSV');
        const model = str(values, 'model');
        if (!model) throw new SentenceLensError('BAD_ARGUMENT', '--model is required (a hub id, model folder or checkpoint folder)');
        const optimizer = str(values, 'optimizer');
        if (optimizer !== undefined && optimizer !== 'adamw' && optimizer !== 'sgd') throw new SentenceLensError('BAD_ARGUMENT', `--optimizer expects adamw or sgd, got "${optimizer}"`);
        const schedule = str(values, 'schedule');
        if (schedule !== undefined && !['linear', 'cosine', 'constant'].includes(schedule)) throw new SentenceLensError('BAD_ARGUMENT', `--schedule expects linear, cosine or constant, got "${schedule}"`);
        const onBadRow = str(values, 'on-bad-row');
        if (onBadRow !== undefined && onBadRow !== 'error' && onBadRow !== 'skip') throw new SentenceLensError('BAD_ARGUMENT', `--on-bad-row expects error or skip, got "${onBadRow}"`);
        const saveDtype = str(values, 'save-dtype');
        if (saveDtype !== undefined && saveDtype !== 'float32' && saveDtype !== 'source') throw new SentenceLensError('BAD_ARGUMENT', `--save-dtype expects float32 or source, got "${saveDtype}"`);
        const tasks = pairs(values, 'task', 'NAME=COLUMN');
        const weights = pairs(values, 'loss-weight', 'TASK=WEIGHT');
        const options: TrainOptions = {
          csv, model, out: str(values, 'out') ?? defaultOut(csv),
          textColumn: str(values, 'text-column'),
          tasks: tasks ? Object.fromEntries(tasks) : undefined,
          val: str(values, 'val'), valSplit: num(values, 'val-split'),
          freeze: str(values, 'freeze'), freezeHeads: values['freeze-head'] as string[] | undefined,
          lossWeights: weights ? Object.fromEntries(weights.map(([t, w]) => {
            const n = Number(w);
            if (!Number.isFinite(n) || n < 0) throw new SentenceLensError('BAD_ARGUMENT', `--loss-weight ${t}=${w}: the weight must be a number ≥ 0`);
            return [t, n];
          })) : undefined,
          epochs: positiveInt(values, 'epochs'), maxSteps: positiveInt(values, 'max-steps'), batchSize: positiveInt(values, 'batch-size'),
          lr: num(values, 'lr'), layerLrDecay: num(values, 'layer-lr-decay'), optimizer: optimizer as TrainOptions['optimizer'],
          weightDecay: num(values, 'weight-decay'), warmup: num(values, 'warmup'), decay: schedule as TrainOptions['decay'],
          maxGradNorm: num(values, 'max-grad-norm'), dropout: num(values, 'dropout'), maxLength: positiveInt(values, 'max-length'),
          seed: num(values, 'seed'), shuffle: values['no-shuffle'] === true ? false : undefined, device: deviceOption(values),
          onBadRow: onBadRow as TrainOptions['onBadRow'], gradAccum: positiveInt(values, 'grad-accum'),
          evalEvery: positiveInt(values, 'eval-every'), patience: positiveInt(values, 'patience'),
          adapt: values['adapt'] as string[] | undefined, adaptEpochs: positiveInt(values, 'adapt-epochs'),
          saveDtype: saveDtype as TrainOptions['saveDtype'],
          pairs: str(values, 'pairs'), pairsPerStep: positiveInt(values, 'pairs-per-step'), pairWeight: num(values, 'pair-weight'), pairScale: num(values, 'pair-scale'),
        };
        result = await train(options, { signal: io.signal, onEvent: printer.onEvent });
      }
    } finally {
      printer.stop();
    }
    io.stdout.write(JSON.stringify(summary(result), null, 2) + '\n');
  },
};
