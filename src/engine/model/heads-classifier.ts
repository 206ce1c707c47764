/**
 * Task heads as their own small inference session: pooled sentence vectors [n, hidden] in,
 * each task's probabilities out. The model server puts retrained heads on top of the loaded
 * model this way, so new heads take effect without rebuilding the backbone's session (seconds
 * for a MiniLM-sized model; this one builds in milliseconds).
 */
import { Graph } from '../graph/index.js';
import { createSession, ort, type Session } from '../runtime/session.js';
import type { Tensor } from './tensor.js';
import { buildHead, checkHeadWeights, probabilities, type TaskSpec } from './heads.js';

export interface TaskProbabilities {
  readonly label: string;
  readonly probs: Record<string, number>;
}

export function buildHeadsInferenceGraph(hidden: number, tasks: readonly TaskSpec[], weights: ReadonlyMap<string, Tensor>): Graph {
  const g = new Graph({ name: 'sentence_lens_heads' });
  const pooled = g.input('pooled', 'float32', ['batch', hidden]);
  for (const t of tasks) g.output(probabilities(g, buildHead(g, pooled, t, weights).logits), `${t.name}_probs`);
  return g;
}

export class HeadsClassifier {
  private constructor(
    private readonly session: Session,
    readonly hidden: number,
    readonly tasks: readonly TaskSpec[],
  ) {}

  static async create(hidden: number, tasks: readonly TaskSpec[], weights: ReadonlyMap<string, Tensor>): Promise<HeadsClassifier> {
    checkHeadWeights(tasks, hidden, weights, 'heads');
    // The CPU: a few small GEMMs, cheaper than moving the vectors to a GPU and back.
    const session = await createSession(buildHeadsInferenceGraph(hidden, tasks, weights).toBytes(), 'cpu');
    return new HeadsClassifier(session, hidden, tasks);
  }

  /** Row i of `pooled` ([n, hidden]) → each task's most likely label and probabilities. */
  async classify(pooled: Float32Array): Promise<Record<string, TaskProbabilities>[]> {
    const n = pooled.length / this.hidden;
    if (n === 0) return [];
    const out = await this.session.run({ pooled: new ort.Tensor('float32', pooled, [n, this.hidden]) });
    const rows = Array.from({ length: n }, () => ({}) as Record<string, TaskProbabilities>);
    for (const t of this.tasks) {
      const p = out[`${t.name}_probs`]!.data as Float32Array;
      const k = t.labels.length;
      rows.forEach((row, r) => {
        const probs: Record<string, number> = {};
        let best = 0;
        t.labels.forEach((l, i) => {
          probs[l] = p[r * k + i]!;
          if (p[r * k + i]! > p[r * k + best]!) best = i;
        });
        row[t.name] = { label: t.labels[best]!, probs };
      });
    }
    return rows;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
