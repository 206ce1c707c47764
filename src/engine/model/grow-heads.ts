/**
 * A task gains a class: its output layer grows by one row per new label. The rows the head
 * already has are kept as they are, so what it learnt about the old labels survives; a new row
 * starts like a fresh head's (small seeded normal weights, zero bias) and is learnt from the
 * sentences labelled with it. The new labels go after the old ones, so old class indices keep
 * their meaning, and tasks.json written from the result records that order.
 */
import { Rng } from '../random.js';
import type { Tensor } from './tensor.js';
import { type TaskSpec, validateTask } from './heads.js';

export interface GrownHeads {
  readonly tasks: TaskSpec[];
  readonly weights: Map<string, Tensor>;
}

/** `newLabels` by task name; labels a task already has are ignored. */
export function growHeads(tasks: readonly TaskSpec[], weights: ReadonlyMap<string, Tensor>, newLabels: Readonly<Record<string, readonly string[]>>, seed: number, std = 0.02): GrownHeads {
  const out = new Map(weights);
  const rng = new Rng(seed);
  const grown = tasks.map((t) => {
    const add = [...new Set(newLabels[t.name] ?? [])].filter((l) => !t.labels.includes(l));
    if (add.length === 0) return t;
    const task: TaskSpec = { ...t, labels: [...t.labels, ...add] };
    validateTask(task, `new labels for task "${t.name}"`);
    const w = weights.get(`heads.${t.name}.out.weight`)!;
    const b = weights.get(`heads.${t.name}.out.bias`)!;
    const [k, width] = w.shape as [number, number];
    const data = new Float32Array((k + add.length) * width);
    data.set(w.data);
    for (let i = k * width; i < data.length; i++) data[i] = rng.normal() * std;
    const bias = new Float32Array(k + add.length);
    bias.set(b.data);
    out.set(`heads.${t.name}.out.weight`, { shape: [k + add.length, width], data });
    out.set(`heads.${t.name}.out.bias`, { shape: [k + add.length], data: bias });
    return task;
  });
  return { tasks: grown, weights: out };
}
