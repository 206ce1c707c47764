/**
 * What the training panel asks before a run: a CSV's preview and guess, a picture of the model
 * under the chosen freeze options, whether options pass the engine's checks, which hub models
 * are cached, and an ONNX export of a finished run. Answered in a trainer process so the
 * extension host never parses data or loads weights.
 */
import { inspectCsv } from '../engine/data/inspect.js';
import { SentenceLensError } from '../engine/errors.js';
import { exportOnnx } from '../engine/export.js';
import { cachedModelIds } from '../engine/hub/cached-models.js';
import { headParameterShapes } from '../engine/model/heads.js';
import { type LoadedModel, loadModel } from '../engine/model/load.js';
import { resolveModelSource } from '../engine/model/source.js';
import { modelPicture } from '../engine/train/model-picture.js';
import { resolveTrainOptions, type TrainOptions } from '../engine/train/trainer-options.js';
import type { CheckOptionsResult, DescribeModelParams, ExportParams, InspectCsvParams } from '../protocol.js';

export const inspect = (p: InspectCsvParams) => inspectCsv(p.csv, { textColumn: p.textColumn, tasks: p.tasks ? { ...p.tasks } : undefined });

export const cachedModels = () => cachedModelIds();

export async function exportCheckpoint(p: ExportParams, signal: AbortSignal): Promise<{ onnx: string; bytes: number }> {
  const r = await exportOnnx(p.checkpoint, p.out, { signal });
  return { onnx: r.onnx, bytes: r.bytes };
}

/** Parameter sizes per model, kept while the panel is open: a picture redraws on every option change. */
const shapesCache = new Map<string, Promise<{ sizes: Map<string, number>; heads: Map<string, Map<string, number>>; numLayers: number; hidden: number }>>();

function modelShapes(model: string) {
  let entry = shapesCache.get(model);
  if (!entry) {
    entry = (async () => {
      const loaded: LoadedModel = await loadModel(await resolveModelSource(model));
      const sizes = new Map([...loaded.backbone].map(([n, t]) => [n, t.data.length]));
      const heads = new Map<string, Map<string, number>>();
      for (const [n, t] of loaded.heads?.weights ?? []) {
        const task = /^heads\.([^.]+)\./.exec(n)?.[1];
        if (task) heads.set(task, (heads.get(task) ?? new Map()).set(n, t.data.length));
      }
      return { sizes, heads, numLayers: loaded.config.numLayers, hidden: loaded.config.hiddenSize };
    })();
    entry.catch(() => shapesCache.delete(model));
    shapesCache.set(model, entry);
  }
  return entry;
}

export async function describeModel(p: DescribeModelParams) {
  const m = await modelShapes(p.model);
  const sizes = new Map(m.sizes);
  for (const t of p.tasks) {
    // A head the model already has is continued as it is; a new task gets a fresh Linear head.
    const existing = m.heads.get(t.name);
    const shapes = existing ?? new Map([...headParameterShapes({ name: t.name, labels: Array.from({ length: Math.max(2, t.labels) }, (_, i) => String(i)) }, m.hidden)].map(([n, s]) => [n, s.reduce((a, b) => a * b, 1)]));
    for (const [n, size] of shapes) sizes.set(n, size);
  }
  return modelPicture(sizes, m.numLayers, { freeze: p.freeze, frozenHeads: p.frozenHeads, lossWeights: p.lossWeights });
}

const PLACEHOLDER = { csv: 'train.csv', model: 'model', out: 'run' };

/**
 * Each option through the engine's own checks, one at a time so every bad field gets its own
 * message, then all together for rules between fields (a validation file and a split).
 */
export function checkOptions(options: Readonly<Record<string, unknown>>): CheckOptionsResult {
  const errors: Record<string, string> = {};
  let resolved: Record<string, unknown> | undefined;
  const check = (o: Record<string, unknown>): string | undefined => {
    try {
      resolved = { ...resolveTrainOptions({ ...PLACEHOLDER, ...o } as TrainOptions) };
      return undefined;
    } catch (e) {
      if (e instanceof SentenceLensError) return e.message;
      throw e;
    }
  };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || key in PLACEHOLDER) continue;
    const message = check({ [key]: value });
    if (message) errors[key] = message;
  }
  if (Object.keys(errors).length > 0) return { errors };
  const message = check({ ...options });
  if (message) return { errors: { _: message } };
  for (const k of Object.keys(PLACEHOLDER)) delete resolved![k];
  return { errors, resolved };
}
