import { basename } from 'node:path';
import { SentenceLensError } from '../../engine/errors.js';
import { pretrain, type PretrainResult } from '../../engine/pretrain/pretrain.js';
import type { PretrainOptions } from '../../engine/pretrain/pretrain-options.js';
import type { CliIo, Command } from '../command.js';
import { deviceOption, positiveInt } from '../shared-options.js';
import { num, str, trainEventPrinter } from './train.js';

const HELP = `  --model M              hub id or model folder to continue pretraining (its vocabulary)
  --new-vocab N          build an N-entry WordPiece vocabulary from the text and start from fresh
                         weights (with --model: its config.json sizes; without: a 4-layer, 256-wide BERT)
  --cased                keep case in a new vocabulary (default: lowercase)
  --out DIR              run folder: DIR/best and DIR/last (default runs/pretrain-<time>)
  --column C             text column of CSV inputs (default: text or sentence)
  --unit U               line (default) or sentence: what one example is in .txt/.md files
  --no-pack              one example per sequence (default: pack consecutive examples to --max-length)
  --max-length N         tokens per sequence (default 128)
  --mask-rate X          share of tokens predicted (default 0.15; 80% [MASK], 10% random, 10% kept)
  --no-whole-word        mask single tokens instead of whole words
  --val-split F          share of sequences held out for perplexity (default 0.05)
  --epochs N             default 1
  --max-steps N          optimizer steps; overrides --epochs
  --batch-size N         sequences per micro-batch (default 32)
  --grad-accum N         micro-batches per optimizer step (default 1)
  --lr X                 peak learning rate (default 5e-5; 5e-4 with --new-vocab)
  --warmup X             a fraction of the run (< 1) or a number of steps (default 0.06)
  --schedule S           linear | cosine | constant decay after warmup (default linear)
  --optimizer O          adamw | sgd (default adamw)
  --weight-decay X       default 0.01 (adamw); never on biases and LayerNorm
  --max-grad-norm X      clip the global gradient norm (default 1; 0: off)
  --dropout X            dropout rate (default: the model config's; 0: off)
  --seed N               seeds the split, shuffling, masks, new weights and dropout (default 42)
  --no-shuffle           batches in corpus order
  --device D             auto | cpu | webgpu | cuda (default auto)
  --eval-every N         also evaluate every N steps (default: each epoch only)
  --save-every N         also save DIR/last every N steps, so a killed run loses little
  --patience N           stop after N evaluations without a lower validation loss
  --resume DIR           continue an interrupted run (its run folder or last checkpoint)
Inputs: .txt/.md files, folders of them (searched recursively), or .csv/.tsv files.
The checkpoint is a Hugging Face …ForMaskedLM folder (BertForMaskedLM, RobertaForMaskedLM, …); fine-tune it with: sentence-lens train CSV --model DIR/best
Progress goes to stderr, the JSON summary to stdout. Ctrl-C finishes the step, saves DIR/last and exits.`;

function summary(r: PretrainResult) {
  return {
    status: r.status, cancelled: r.status === 'cancelled', ...(r.message ? { message: r.message } : {}),
    step: r.step, totalSteps: r.totalSteps, epoch: r.epoch, epochs: r.epochs, device: r.device,
    // As train's summary: where the optimizer ran, and the bytes that crossed host ↔ device.
    optimizer: r.optimizer, transfers: r.transfers, vocabSize: r.vocabSize,
    texts: r.texts, trainSequences: r.trainSequences, valSequences: r.valSequences, tokens: r.tokens,
    metrics: r.metrics ? { loss: r.metrics.loss, ...r.metrics.mlm } : null,
    best: r.best, last: r.last, evaluations: r.history.evals.length, elapsedSeconds: r.elapsedSeconds,
  };
}

function defaultOut(): string {
  return `runs/pretrain-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`;
}

function options(values: Record<string, unknown>, files: string[]): PretrainOptions {
  const schedule = str(values, 'schedule');
  if (schedule !== undefined && !['linear', 'cosine', 'constant'].includes(schedule)) throw new SentenceLensError('BAD_ARGUMENT', `--schedule expects linear, cosine or constant, got "${schedule}"`);
  const unit = str(values, 'unit');
  if (unit !== undefined && unit !== 'line' && unit !== 'sentence') throw new SentenceLensError('BAD_ARGUMENT', `--unit expects line or sentence, got "${unit}"`);
  const optimizer = str(values, 'optimizer');
  if (optimizer !== undefined && optimizer !== 'adamw' && optimizer !== 'sgd') throw new SentenceLensError('BAD_ARGUMENT', `--optimizer expects adamw or sgd, got "${optimizer}"`);
  return {
    files, model: str(values, 'model'), out: str(values, 'out') ?? defaultOut(), newVocab: positiveInt(values, 'new-vocab'),
    lowercase: values['cased'] === true ? false : undefined, column: str(values, 'column'), unit: unit as PretrainOptions['unit'],
    pack: values['no-pack'] === true ? false : undefined, maxLength: positiveInt(values, 'max-length'), maskRate: num(values, 'mask-rate'),
    wholeWord: values['no-whole-word'] === true ? false : undefined, valSplit: num(values, 'val-split'),
    epochs: positiveInt(values, 'epochs'), maxSteps: positiveInt(values, 'max-steps'), batchSize: positiveInt(values, 'batch-size'),
    gradAccum: positiveInt(values, 'grad-accum'), lr: num(values, 'lr'), warmup: num(values, 'warmup'), decay: schedule as PretrainOptions['decay'],
    optimizer: optimizer as PretrainOptions['optimizer'], weightDecay: num(values, 'weight-decay'), maxGradNorm: num(values, 'max-grad-norm'),
    dropout: num(values, 'dropout'), seed: num(values, 'seed'), shuffle: values['no-shuffle'] === true ? false : undefined,
    device: deviceOption(values), evalEvery: positiveInt(values, 'eval-every'), saveEvery: positiveInt(values, 'save-every'), patience: positiveInt(values, 'patience'),
  };
}

export const pretrainCommand: Command = {
  name: 'pretrain',
  summary: 'masked-language-model pretraining on unlabelled text (optionally with a new vocabulary); prints a JSON summary',
  usage: 'sentence-lens pretrain FILE|DIR… (--model ID|DIR | --new-vocab N) [--out DIR] [options]  |  sentence-lens pretrain --resume DIR',
  help: HELP,
  options: {
    model: { type: 'string' }, 'new-vocab': { type: 'string' }, cased: { type: 'boolean' }, out: { type: 'string' }, column: { type: 'string' },
    unit: { type: 'string' }, 'no-pack': { type: 'boolean' }, 'max-length': { type: 'string' }, 'mask-rate': { type: 'string' },
    'no-whole-word': { type: 'boolean' }, 'val-split': { type: 'string' }, epochs: { type: 'string' }, 'max-steps': { type: 'string' },
    'batch-size': { type: 'string' }, 'grad-accum': { type: 'string' }, lr: { type: 'string' }, warmup: { type: 'string' },
    schedule: { type: 'string' }, optimizer: { type: 'string' }, 'weight-decay': { type: 'string' }, 'max-grad-norm': { type: 'string' },
    dropout: { type: 'string' }, seed: { type: 'string' }, 'no-shuffle': { type: 'boolean' }, device: { type: 'string' },
    'eval-every': { type: 'string' }, 'save-every': { type: 'string' }, patience: { type: 'string' }, resume: { type: 'string' },
  },
  async run(values, positionals, io: CliIo) {
    const resume = str(values, 'resume');
    const printer = trainEventPrinter(io, 'pretraining');
    let result: PretrainResult;
    try {
      if (resume !== undefined) {
        const ignored = Object.keys(values).filter((k) => !['resume', 'device', 'out', 'help', 'debug'].includes(k));
        if (ignored.length > 0 || positionals.length > 0) {
          io.stderr.write(`warning: --resume continues the run with its saved options and text; ignoring ${[...positionals.map((p) => basename(p)), ...ignored.map((k) => `--${k}`)].join(', ')}\n`);
        }
        result = await pretrain({ resume, device: values['device'] !== undefined ? deviceOption(values) : undefined, out: str(values, 'out') }, { signal: io.signal, onEvent: printer.onEvent });
      } else {
        if (positionals.length === 0) throw new SentenceLensError('BAD_ARGUMENT', 'expected one or more text files, folders or CSV files to pretrain on');
        result = await pretrain(options(values, positionals), { signal: io.signal, onEvent: printer.onEvent });
      }
    } finally {
      printer.stop();
    }
    io.stdout.write(JSON.stringify(summary(result), null, 2) + '\n');
  },
};

