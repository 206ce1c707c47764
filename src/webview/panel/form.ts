/**
 * The panel's form: its starting values (the engine's defaults, sent by the host), what a CSV's
 * guess fills in, and the edits a person makes. Pure.
 */
import { type CsvInspection, MAX_ADAPT_PATHS, type ModelSource, type PanelOptions, type TaskMapping } from '../schema.js';

export type Defaults = Readonly<Record<string, unknown>>;

const n = (d: Defaults, key: string, fallback: number): number => (typeof d[key] === 'number' ? (d[key] as number) : fallback);
const s = <T extends string>(d: Defaults, key: string, options: readonly T[], fallback: T): T =>
  options.includes(d[key] as T) ? (d[key] as T) : fallback;

/**
 * A fresh form from the engine's defaults. The fallbacks only fill in when the host sent no
 * defaults (the trainer process failed to start); every run's options pass the engine's check.
 */
export function defaultForm(defaults: Defaults, model: ModelSource, csv = ''): PanelOptions {
  return {
    csv,
    textColumn: '',
    tasks: [],
    validation: { kind: 'split', fraction: n(defaults, 'valSplit', 0.1) },
    model,
    device: s(defaults, 'device', ['auto', 'cpu', 'webgpu', 'cuda'] as const, 'auto'),
    freeze: freezeOf(defaults.freeze),
    frozenHeads: [],
    lossWeights: {},
    layerLrDecay: n(defaults, 'layerLrDecay', 1),
    epochs: n(defaults, 'epochs', 3),
    batchSize: n(defaults, 'batchSize', 16),
    gradAccum: n(defaults, 'gradAccum', 1),
    lr: n(defaults, 'lr', 5e-5),
    decay: s(defaults, 'decay', ['linear', 'cosine', 'constant'] as const, 'linear'),
    warmup: n(defaults, 'warmup', 0),
    weightDecay: n(defaults, 'weightDecay', 0.01),
    optimizer: s(defaults, 'optimizer', ['adamw', 'sgd'] as const, 'adamw'),
    maxGradNorm: n(defaults, 'maxGradNorm', 1),
    maxLength: n(defaults, 'maxLength', 128),
    seed: n(defaults, 'seed', 42),
    adaptFirst: false,
    adaptPaths: [],
    adaptEpochs: n(defaults, 'adaptEpochs', 1),
  };
}

/** The engine's freeze default ('none', 'backbone', 'bottom:2', …) as the form holds it. */
function freezeOf(v: unknown): PanelOptions['freeze'] {
  const text = typeof v === 'string' ? v : 'none';
  const bottom = /^bottom:(\d+)$/.exec(text);
  if (bottom) return { kind: 'bottom', bottomLayers: Number(bottom[1]) };
  const kinds = ['none', 'backbone', 'embeddings', 'all'] as const;
  return { kind: kinds.find((k) => k === text) ?? 'none', bottomLayers: 1 };
}

/** A form saved before a reload, laid over a fresh one (fields the saved one lacks keep their defaults). */
export function restoredForm(fresh: PanelOptions, saved: Partial<PanelOptions> | undefined): PanelOptions {
  return saved ? { ...fresh, ...saved } : fresh;
}

/** Choosing another CSV starts its mapping afresh (from the guess the inspection brings). */
export function withCsv(form: PanelOptions, csv: string): PanelOptions {
  if (form.csv === csv) return form;
  return { ...form, csv, textColumn: '', tasks: [], frozenHeads: [], lossWeights: {} };
}

/** Fills an empty mapping from the engine's guess for the form's CSV. */
export function withGuess(form: PanelOptions, inspection: CsvInspection): PanelOptions {
  if (inspection.csv !== form.csv || form.tasks.length > 0 || !inspection.guess) return form;
  const tasks = inspection.guess.tasks.map((t) => ({ ...t }));
  return { ...form, textColumn: inspection.guess.text, tasks, lossWeights: Object.fromEntries(tasks.map((t) => [t.name, 1])) };
}

export function setTask(form: PanelOptions, index: number, patch: Partial<TaskMapping>): PanelOptions {
  const old = form.tasks[index];
  if (!old) return form;
  const tasks = form.tasks.map((t, i) => (i === index ? { ...t, ...patch } : t));
  if (patch.name === undefined || patch.name === old.name) return { ...form, tasks };
  // A renamed task keeps its weight and head freezing.
  const { [old.name]: weight, ...weights } = form.lossWeights;
  return {
    ...form,
    tasks,
    lossWeights: { ...weights, [patch.name]: weight ?? 1 },
    frozenHeads: form.frozenHeads.map((h) => (h === old.name ? patch.name! : h)),
  };
}

/** Adds a task on the first header column not used yet. */
export function addTask(form: PanelOptions, header: readonly string[]): PanelOptions {
  const used = new Set([form.textColumn, ...form.tasks.map((t) => t.column)]);
  const column = header.find((h) => !used.has(h)) ?? header[0] ?? '';
  let name = column.trim().toLowerCase() || 'task';
  for (let i = 2; form.tasks.some((t) => t.name === name); i++) name = `${column.trim().toLowerCase() || 'task'}${i}`;
  return { ...form, tasks: [...form.tasks, { name, column }], lossWeights: { ...form.lossWeights, [name]: 1 } };
}

export function removeTask(form: PanelOptions, index: number): PanelOptions {
  const gone = form.tasks[index];
  if (!gone) return form;
  const { [gone.name]: _, ...lossWeights } = form.lossWeights;
  return { ...form, tasks: form.tasks.filter((_, i) => i !== index), lossWeights, frozenHeads: form.frozenHeads.filter((h) => h !== gone.name) };
}

export function toggleFrozenHead(form: PanelOptions, task: string, frozen: boolean): PanelOptions {
  const rest = form.frozenHeads.filter((h) => h !== task);
  return { ...form, frozenHeads: frozen ? [...rest, task] : rest };
}

/** Text picked to adapt on joins the list (once each) and turns adaptation on. */
export function withAdaptPaths(form: PanelOptions, paths: readonly string[]): PanelOptions {
  const list = [...(form.adaptPaths ?? [])];
  for (const p of paths) if (!list.includes(p)) list.push(p);
  return { ...form, adaptFirst: true, adaptPaths: list.slice(0, MAX_ADAPT_PATHS) };
}

export function removeAdaptPath(form: PanelOptions, path: string): PanelOptions {
  return { ...form, adaptPaths: (form.adaptPaths ?? []).filter((p) => p !== path) };
}

/** What the model picture depends on: a change here asks for a new picture. */
export function pictureKey(form: PanelOptions): string {
  return JSON.stringify([form.model, form.tasks.map((t) => t.name), form.freeze, form.frozenHeads, form.lossWeights, form.csv]);
}

/** The options the engine checks (not paths or mapping, which the inspection checks). */
export function checkKey(form: PanelOptions): string {
  const { csv: _c, tasks: _t, textColumn: _x, model: _m, ...rest } = form;
  return JSON.stringify(rest);
}
