/** Options several commands share, parsed once with errors that say what was expected. */
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_LENGTH, DEVICE_SETTINGS, isPooling, POOLINGS, type Pooling } from '../engine/choices.js';
import { SentenceLensError } from '../engine/errors.js';
import { parseDevice, type DeviceSetting } from '../engine/runtime/device.js';
import type { CliIo, OptionSpec } from './command.js';
import { offlineModelDir } from '../bundled-files.js';

export const modelOptions: OptionSpec = {
  model: { type: 'string' },
  device: { type: 'string' },
  'max-length': { type: 'string' },
  'batch-size': { type: 'string' },
};

/** The accepted devices and poolings, for help texts. */
export const DEVICE_CHOICES = DEVICE_SETTINGS.join(' | ');
export const POOLING_CHOICES = POOLINGS.join('|');

export const modelHelp = `  --model M            hub id, model folder or checkpoint folder (default: the bundled
                       small offline model, models/offline)
  --device D           ${DEVICE_CHOICES} (default auto)
  --max-length N       truncate sentences to N tokens (default ${DEFAULT_MAX_LENGTH})
  --batch-size N       sentences per batch (default ${DEFAULT_BATCH_SIZE})`;

/** --model, or the bundled offline model when it is not given. */
export function modelOrOffline(values: Record<string, unknown>): string {
  const m = values['model'];
  if (m === undefined) return offlineModelDir();
  if (typeof m !== 'string' || m === '') throw new SentenceLensError('BAD_ARGUMENT', '--model expects a hub id, model folder or checkpoint folder');
  return m;
}

export function positiveInt(values: Record<string, unknown>, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SentenceLensError('BAD_ARGUMENT', `--${name} expects a positive integer, got "${String(v)}"`);
  return n;
}

/** --pooling, or undefined when it is not given. */
export function poolingOption(values: Record<string, unknown>): Pooling | undefined {
  const v = values['pooling'];
  if (v === undefined) return undefined;
  if (!isPooling(v)) throw new SentenceLensError('BAD_ARGUMENT', `--pooling expects ${POOLINGS.join(' or ')}, got "${String(v)}"`);
  return v;
}

export function deviceOption(values: Record<string, unknown>): DeviceSetting {
  return parseDevice(typeof values['device'] === 'string' ? values['device'] : 'auto');
}

/** Sentences from the arguments, or one per line on stdin when none are given. */
export async function readSentences(positionals: string[], io: CliIo): Promise<string[]> {
  if (positionals.length > 0) return positionals;
  if (io.stdin.isTTY) throw new SentenceLensError('BAD_ARGUMENT', 'no sentences given: pass them as arguments or pipe them on stdin, one per line');
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new SentenceLensError('BAD_ARGUMENT', 'stdin held no sentences (one per line expected)');
  return lines;
}
