/**
 * The training panel's form (PanelOptions, src/webview/schema.ts) as the engine's TrainOptions,
 * and the short labels that tell runs apart in the runs list. Free of `vscode`.
 */
import type { TrainOptions } from '../../engine/train/trainer-options.js';
import type { PanelOptions } from '../../webview/schema.js';
import { confine } from './paths.js';

export interface ResolvedPaths {
  /** The training CSV, absolute and confined to the workspace. */
  readonly csv: string;
  /** The validation CSV, when the form names one. */
  readonly val?: string;
  /** The base model as the engine takes it: hub id or absolute folder. */
  readonly model: string;
  /** The text to adapt on, absolute and confined to the workspace, when the form adapts first. */
  readonly adapt?: readonly string[];
}

export function freezeString(f: PanelOptions['freeze']): string {
  return f.kind === 'bottom' ? `bottom:${f.bottomLayers}` : f.kind;
}

export function toTrainOptions(form: PanelOptions, paths: ResolvedPaths): Omit<TrainOptions, 'out'> {
  const taskNames = new Set(form.tasks.map((t) => t.name));
  const weights = Object.fromEntries(Object.entries(form.lossWeights).filter(([t]) => taskNames.has(t)));
  return {
    csv: paths.csv,
    model: paths.model,
    ...(form.textColumn ? { textColumn: form.textColumn } : {}),
    tasks: Object.fromEntries(form.tasks.map((t) => [t.name, t.column])),
    ...(form.validation.kind === 'file' ? { val: paths.val } : { valSplit: form.validation.fraction }),
    freeze: freezeString(form.freeze),
    freezeHeads: form.frozenHeads.filter((h) => taskNames.has(h)),
    lossWeights: weights,
    ...(form.maxSteps !== undefined ? { maxSteps: form.maxSteps } : { epochs: form.epochs }),
    batchSize: form.batchSize,
    gradAccum: form.gradAccum,
    lr: form.lr,
    decay: form.decay,
    warmup: form.warmup,
    weightDecay: form.weightDecay,
    optimizer: form.optimizer,
    maxGradNorm: form.maxGradNorm,
    ...(form.dropout !== undefined ? { dropout: form.dropout } : {}),
    maxLength: form.maxLength,
    seed: form.seed,
    ...(form.patience !== undefined ? { patience: form.patience } : {}),
    layerLrDecay: form.layerLrDecay,
    device: form.device,
    ...(form.pooling ? { pooling: form.pooling } : {}),
    // No paths with adaptation on is the engine's to refuse, in its own words.
    ...(form.adaptFirst ? { adapt: [...(paths.adapt ?? [])], ...(form.adaptEpochs !== undefined ? { adaptEpochs: form.adaptEpochs } : {}) } : {}),
  };
}

/**
 * The text the form adapts on, each path confined to the workspace folders as the training CSV
 * is (in Restricted Mode too: it is data, like the CSV); `refused`: the first path that is not.
 * Nothing to confine when adaptation is off.
 */
export function confineAdaptPaths(form: PanelOptions, folders: readonly string[]): { paths?: string[]; refused?: string } {
  if (!form.adaptFirst) return {};
  const paths: string[] = [];
  for (const p of form.adaptPaths ?? []) {
    const abs = confine(p, folders);
    if (!abs) return { refused: p };
    paths.push(abs);
  }
  return { paths };
}

/** "adapt: 2 files, 1 folder · 1 epoch": what a run adapted on, for the runs table. */
export function adaptLabel(kinds: readonly ('file' | 'folder')[], epochs: number | undefined): string {
  const files = kinds.filter((k) => k === 'file').length;
  const folders = kinds.length - files;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const what = [files || !folders ? plural(files, 'file') : '', folders ? plural(folders, 'folder') : ''].filter(Boolean).join(', ');
  return `adapt: ${what}${epochs !== undefined ? ` · ${plural(epochs, 'epoch')}` : ''}`;
}

/** The engine's option names that the form shows under another name. */
export const FORM_FIELD: Readonly<Record<string, string>> = { valSplit: 'validation', val: 'validation', freezeHeads: 'frozenHeads', adapt: 'adaptPaths', _: 'form' };

/** What tells two runs apart, short enough for a table column. */
export function runLabels(o: Omit<TrainOptions, 'out'>, display: { csv: string; model: string; adapt?: readonly ('file' | 'folder')[] }): Record<string, string> {
  const labels: Record<string, string> = {
    freeze: `${o.freeze ?? 'none'}${o.freezeHeads?.length ? ` (+ heads ${o.freezeHeads.join(', ')})` : ''}`,
    model: display.model,
    data: display.csv,
    tasks: Object.keys(o.tasks ?? {}).join(', '),
    length: o.maxSteps !== undefined ? `${o.maxSteps} steps` : `${o.epochs ?? ''} epochs`,
    lr: String(o.lr),
    batch: String(o.batchSize),
  };
  const weights = Object.entries(o.lossWeights ?? {}).filter(([, w]) => w !== 1);
  if (weights.length) labels.weights = weights.map(([t, w]) => `${t}×${w}`).join(', ');
  if (o.layerLrDecay !== undefined && o.layerLrDecay !== 1) labels.layerLrDecay = String(o.layerLrDecay);
  if (o.adapt?.length) labels.adapt = adaptLabel(display.adapt ?? o.adapt.map(() => 'file'), o.adaptEpochs);
  return labels;
}
