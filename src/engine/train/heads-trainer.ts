/**
 * The heads-only fast path (freeze policy `backbone`): when nothing below the heads trains, the
 * encoder's output for a sentence never changes, so the dataset is embedded once (PooledCache)
 * and each step runs only the small heads graph (heads-graph.ts) in a HeadsTrainer session.
 *
 * No dropout on this path: BertModel applies dropout only inside the encoder, and the heads have
 * none, so with a frozen backbone there is nothing below the heads to drop. (A full-graph run with
 * a frozen backbone *and* dropout on would see a differently perturbed pooled vector each step; the
 * fast path gives that noise up and equals the full graph run without dropout.)
 *
 * Example (the trainer loop):
 *
 *   const cache = new PooledCache();                     // owned by the caller; keep it to reuse
 *   const pooled = await cache.compute(loaded, texts, { pooling: 'mean', maxLength: 128,
 *     batchSize: 32, device: 'auto', cacheDir: join(storage, 'pooled-cache'), onProgress, signal });
 *   const headsTrainer = await HeadsTrainer.create({ hidden: loaded.config.hiddenSize, tasks,
 *     heads: headWeights, isTrainable: isTrainableFor(policy, ctx), lossWeights, classWeights });
 *   const params = new ParameterSet(headTensors, (n) => headsTrainer.trainableNames.has(n));
 *   for (const batch of batches) {                      // batch: row indices into `texts`
 *     const r = await headsTrainer.run(gatherRows(pooled, hidden, batch), batch.map((i) => rows[i].labels), params);
 *     applyUpdate(params, r.grads, optimizer, schedule.lrAt(step), { maxGradNorm });
 *   }
 *   await headsTrainer.release();
 */
import { SentenceLensError } from '../errors.js';
import type { Tensor } from '../model/tensor.js';
import type { TaskSpec } from '../model/heads.js';
import type { Device } from '../runtime/device.js';
import { createSession, ort, type Session } from '../runtime/session.js';
import { buildHeadsTrainingGraph, type HeadsTrainingGraphOptions, type RowLabels, taskFeeds } from './heads-graph.js';
import type { TrainingGraph } from './train-graph.js';

/** Rows `indices` of a row-major [n, hidden] matrix, as a new [indices.length, hidden] matrix. */
export function gatherRows(pooled: Float32Array, hidden: number, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * hidden);
  indices.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || (r + 1) * hidden > pooled.length) throw new SentenceLensError('BAD_ARGUMENT', `row ${r} is outside the pooled matrix (${pooled.length / hidden} rows)`);
    out.set(pooled.subarray(r * hidden, (r + 1) * hidden), i * hidden);
  });
  return out;
}

export interface HeadsStepResult {
  readonly loss: number;
  /** loss_<task> for the tasks with non-zero weight. */
  readonly losses: Record<string, number>;
  /** logits_<task>, [batch, labels] row-major. */
  readonly logits: Record<string, Float32Array>;
  /** Gradient of every trainable head parameter, by name (ready for applyUpdate). */
  readonly grads: Map<string, Float32Array>;
}

export interface HeadsTrainerOptions extends HeadsTrainingGraphOptions {
  readonly hidden: number;
  readonly tasks: readonly TaskSpec[];
  /** Initial head weights; only their shapes (and frozen heads' values) are baked into the graph. */
  readonly heads: ReadonlyMap<string, Tensor>;
  /**
   * Default 'cpu': the graph is a few small GEMMs, so on a GPU host copies would cost more than
   * the arithmetic.
   */
  readonly device?: Device;
}

/** A session over the heads-only graph: one `run` per step gives losses, logits and grads. */
export class HeadsTrainer {
  readonly trainableNames: ReadonlySet<string>;

  private constructor(
    readonly graph: TrainingGraph,
    private readonly session: Session,
    readonly hidden: number,
    readonly tasks: readonly TaskSpec[],
    private readonly floatType: 'float32' | 'float64',
  ) {
    this.trainableNames = new Set(graph.trainable.map((t) => t.name));
  }

  static async create(options: HeadsTrainerOptions): Promise<HeadsTrainer> {
    const graph = buildHeadsTrainingGraph(options.hidden, options.heads, options.tasks, options);
    const session = await createSession(graph.graph.toBytes(), options.device ?? 'cpu');
    return new HeadsTrainer(graph, session, options.hidden, options.tasks, options.floatType ?? 'float32');
  }

  get lossTasks(): readonly string[] {
    return this.graph.lossTasks;
  }

  /**
   * One forward + backward on `pooled` ([rows.length, hidden], e.g. from gatherRows) with the
   * trainable heads' current values from `params` (a ParameterSet or any name → data lookup);
   * `rowWeights` weighs each row's loss (default 1, see taskFeeds).
   */
  async run(pooled: Float32Array, rows: readonly RowLabels[], params: { get(name: string): Float32Array }, rowWeights?: readonly number[]): Promise<HeadsStepResult> {
    const b = rows.length;
    if (pooled.length !== b * this.hidden) {
      throw new SentenceLensError('BAD_ARGUMENT', `pooled batch has ${pooled.length} values, expected ${b} rows × ${this.hidden}`);
    }
    const ft = this.floatType;
    const asFloat = (x: Float32Array) => (ft === 'float64' ? Float64Array.from(x) : x);
    const feeds: Record<string, ort.Tensor> = {
      pooled: new ort.Tensor(ft, asFloat(pooled), [b, this.hidden]),
      ...taskFeeds(this.tasks, rows, ft, rowWeights),
    };
    for (const t of this.graph.trainable) {
      const data = params.get(t.name);
      feeds[t.value.name] = new ort.Tensor(ft, asFloat(data), t.value.shape.map(Number));
    }
    const out = await this.session.run(feeds);
    const asF32 = (x: ort.Tensor) => (x.data instanceof Float32Array ? x.data : Float32Array.from(x.data as Float64Array));
    const losses: Record<string, number> = {};
    for (const name of this.graph.lossTasks) losses[name] = Number(out[`loss_${name}`]!.data[0]);
    const logits: Record<string, Float32Array> = {};
    for (const t of this.tasks) logits[t.name] = asF32(out[`logits_${t.name}`]!);
    const grads = new Map(this.graph.trainable.map((t) => [t.name, asF32(out[t.grad]!)] as [string, Float32Array]));
    return { loss: Number(out['loss']!.data[0]), losses, logits, grads };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
