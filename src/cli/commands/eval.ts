import { SentenceLensError } from '../../engine/errors.js';
import { evaluateModel } from '../../engine/train/eval-model.js';
import type { Command } from '../command.js';
import { DEFAULT_MAX_LENGTH } from '../../engine/choices.js';
import { DEVICE_CHOICES, deviceOption, positiveInt } from '../shared-options.js';
import { summarizeMetrics, trainEventPrinter } from './train.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: "print a checkpoint's loss, accuracy, macro-F1 and confusion matrix per task on a CSV as JSON",
  usage: 'sentence-lens eval CSV --model CHECKPOINT [--task NAME=COLUMN]... [--text-column C]',
  help: `  --model M            checkpoint (or model folder) with task heads
  --task NAME=COLUMN   the column holding a head's labels (default: the column named like the task); repeatable
  --text-column C      column holding the sentences (default: guessed)
  --device D           ${DEVICE_CHOICES} (default auto)
  --max-length N       truncate sentences to N tokens (default ${DEFAULT_MAX_LENGTH})
  --batch-size N       sentences per batch (default 16)
  --on-bad-row error|skip  stop at a bad row (default) or skip it and report it`,
  options: {
    model: { type: 'string' }, task: { type: 'string', multiple: true }, 'text-column': { type: 'string' }, device: { type: 'string' },
    'max-length': { type: 'string' }, 'batch-size': { type: 'string' }, 'on-bad-row': { type: 'string' },
  },
  async run(values, positionals, io) {
    const [csv, ...extra] = positionals;
    if (!csv || extra.length > 0) throw new SentenceLensError('BAD_ARGUMENT', 'expected exactly one CSV to evaluate on');
    const model = values['model'];
    if (typeof model !== 'string' || model === '') throw new SentenceLensError('BAD_ARGUMENT', '--model is required (a checkpoint folder with task heads)');
    const onBadRow = values['on-bad-row'];
    if (onBadRow !== undefined && onBadRow !== 'error' && onBadRow !== 'skip') throw new SentenceLensError('BAD_ARGUMENT', `--on-bad-row expects error or skip, got "${String(onBadRow)}"`);
    const tasks = (values['task'] as string[] | undefined)?.map((p) => {
      const eq = p.indexOf('=');
      if (eq <= 0 || eq === p.length - 1) throw new SentenceLensError('BAD_ARGUMENT', `--task expects NAME=COLUMN, got "${p}"`);
      return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()] as [string, string];
    });
    const printer = trainEventPrinter(io, 'evaluating');
    try {
      const r = await evaluateModel({
        csv, model, tasks: tasks ? Object.fromEntries(tasks) : undefined,
        textColumn: typeof values['text-column'] === 'string' ? values['text-column'] : undefined,
        device: deviceOption(values), maxLength: positiveInt(values, 'max-length'), batchSize: positiveInt(values, 'batch-size'),
        onBadRow: onBadRow as 'error' | 'skip' | undefined,
      }, { onEvent: (e) => ((e.type === 'message' && e.level === 'info') || e.type === 'evaluation' ? undefined : printer.onEvent(e)), signal: io.signal });
      io.stdout.write(JSON.stringify({ model: r.model, csv: r.csv, device: r.device, warnings: r.warnings, skipped: r.skipped, metrics: summarizeMetrics(r.metrics) }, null, 2) + '\n');
    } finally {
      printer.stop();
    }
  },
};
