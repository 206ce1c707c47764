/**
 * The training panel's form (PanelOptions, src/webview/schema.ts) as the engine's TrainOptions,
 * and the short labels that tell runs apart in the runs list. Free of `vscode`.
 */
import type { TrainOptions } from '../../engine/train/trainer-options.js';
import type { PanelOptions } from '../../webview/schema.js';

export interface ResolvedPaths {
  /** The training CSV, absolute and confined to the workspace. */
  readonly csv: string;
  /** The validation CSV, when the form names one. */
  readonly val?: string;
  /** The base model as the engine takes it: hub id or absolute folder. */
  readonly model: string;
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
  };
}

/** The engine's option names that the form shows under another name. */
export const FORM_FIELD: Readonly<Record<string, string>> = { valSplit: 'validation', val: 'validation', freezeHeads: 'frozenHeads', _: 'form' };

/** What tells two runs apart, short enough for a table column. */
export function runLabels(o: Omit<TrainOptions, 'out'>, display: { csv: string; model: string }): Record<string, string> {
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
  return labels;
}
