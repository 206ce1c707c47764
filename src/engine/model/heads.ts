/**
 * Task heads: one softmax classifier per task over the pooled sentence vector, either a single
 * Linear (hidden → labels) or Linear → GELU → Linear when the task asks for a hidden layer.
 */
import { type Graph, type Value, gelu, linear, softmax } from '../graph/index.js';
import { SentenceLensError } from '../errors.js';
import { Rng } from '../random.js';
import type { Tensor } from './tensor.js';

export interface TaskSpec {
  readonly name: string;
  readonly labels: readonly string[];
  /** Width of the optional hidden layer; absent or 0 means a single Linear. */
  readonly hiddenSize?: number;
}

/** The exercise's two tasks, used when a model has no heads yet. */
export const DEFAULT_TASKS: readonly TaskSpec[] = [
  { name: 'topic', labels: ['food', 'sports', 'reading'] },
  { name: 'sentiment', labels: ['positive', 'negative'] },
];

const TASK_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export function validateTask(t: TaskSpec, source: string): void {
  if (!TASK_NAME.test(t.name)) {
    throw new SentenceLensError('BAD_CONFIG', `${source}: task name ${JSON.stringify(t.name)} must start with a letter and use letters, digits, _ or - (at most 64)`);
  }
  if (t.labels.length < 2) {
    throw new SentenceLensError('BAD_CONFIG', `${source}: task "${t.name}" has ${t.labels.length} label(s); a classifier needs at least two`);
  }
  if (new Set(t.labels).size !== t.labels.length) {
    throw new SentenceLensError('BAD_CONFIG', `${source}: task "${t.name}" lists a label twice`);
  }
}

export function headParameterShapes(task: TaskSpec, hidden: number): Map<string, number[]> {
  const k = task.labels.length;
  const pre = `heads.${task.name}.`;
  const m = new Map<string, number[]>();
  if (task.hiddenSize) {
    m.set(`${pre}dense.weight`, [task.hiddenSize, hidden]);
    m.set(`${pre}dense.bias`, [task.hiddenSize]);
    m.set(`${pre}out.weight`, [k, task.hiddenSize]);
  } else {
    m.set(`${pre}out.weight`, [k, hidden]);
  }
  m.set(`${pre}out.bias`, [k]);
  return m;
}

/** Fresh head weights: small normal weights, zero biases, seeded. */
export function initHeadWeights(tasks: readonly TaskSpec[], hidden: number, seed: number, std = 0.02): Map<string, Tensor> {
  const rng = new Rng(seed);
  const out = new Map<string, Tensor>();
  for (const t of tasks) {
    for (const [name, shape] of headParameterShapes(t, hidden)) {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      if (!name.endsWith('.bias')) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
      out.set(name, { shape, data });
    }
  }
  return out;
}

export function checkHeadWeights(tasks: readonly TaskSpec[], hidden: number, tensors: ReadonlyMap<string, Tensor>, source: string): void {
  for (const t of tasks) {
    for (const [name, shape] of headParameterShapes(t, hidden)) {
      const found = tensors.get(name);
      if (!found) throw new SentenceLensError('MISSING_TENSOR', `${source}: tensor "${name}" is missing; expected shape [${shape.join(', ')}]`);
      if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i])) {
        throw new SentenceLensError('BAD_TENSOR_SHAPE', `${source}: tensor "${name}" has shape [${found.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
    }
  }
}

export interface HeadOutputs {
  readonly logits: Value;
  readonly params: ReadonlyMap<string, Value>;
}

export function buildHead(
  g: Graph,
  pooled: Value,
  task: TaskSpec,
  weights: ReadonlyMap<string, Tensor>,
  isTrainable: (name: string) => boolean = () => false,
): HeadOutputs {
  const params = new Map<string, Value>();
  const p = (suffix: string): Value => {
    const name = `heads.${task.name}.${suffix}`;
    const v = g.parameter(name, weights.get(name)!, isTrainable(name));
    params.set(name, v);
    return v;
  };
  let x = pooled;
  if (task.hiddenSize) x = gelu(g, linear(g, x, p('dense.weight'), p('dense.bias')));
  return { logits: linear(g, x, p('out.weight'), p('out.bias')), params };
}

export function probabilities(g: Graph, logits: Value): Value {
  return softmax(g, logits, -1);
}
