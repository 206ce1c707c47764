/** Training losses: masked, optionally class-weighted cross-entropy per task, and their sum. */
import {
  type Graph, type Value, cast, div, logSoftmax, max, mul, neg, reduceSum, unsqueeze, add,
} from '../graph/index.js';

/**
 * Σ_b m_b·w_{y_b}·(−log softmax(logits)_{b,y_b}) / max(Σ_b m_b·w_{y_b}, 1).
 * The label is picked with a one-hot built by comparing against 0…K−1, so a masked row's
 * placeholder label (−1, or anything out of range) gives an all-zero row and no NaN or
 * out-of-bounds gather. The max(…, 1) keeps a batch with no labelled rows at loss 0.
 */
export function softmaxCrossEntropy(g: Graph, logits: Value, labels: Value, rowMask: Value, classWeights?: Value): Value {
  const k = logits.shape[1];
  if (typeof k !== 'number') throw new Error('softmaxCrossEntropy: the class count must be static');
  const classes = g.int64s(Array.from({ length: k }, (_, i) => i));
  const hit = g.node('Equal', [unsqueeze(g, labels, [1]), classes], [{ dtype: 'bool', shape: [logits.shape[0]!, k] }])[0]!;
  const oneHot = cast(g, hit, g.floatType);
  const nll = neg(g, reduceSum(g, mul(g, oneHot, logSoftmax(g, logits, -1)), [1]));
  const rowWeight = classWeights ? mul(g, rowMask, reduceSum(g, mul(g, oneHot, classWeights), [1])) : rowMask;
  const total = reduceSum(g, mul(g, rowWeight, nll), [0]);
  return div(g, total, max(g, reduceSum(g, rowWeight, [0]), g.scalar(1)));
}

export interface TaskLoss {
  readonly logits: Value;
  readonly labels: Value;
  readonly mask: Value;
  readonly weight: number;
  readonly classWeights?: Value;
}

/** Σ_t weight_t·loss_t; tasks with weight 0 add no nodes at all (their heads get no gradient). */
export function multiTaskLoss(g: Graph, tasks: readonly TaskLoss[]): { total: Value; perTask: (Value | undefined)[] } {
  let total: Value | undefined;
  const perTask = tasks.map((t) => {
    if (t.weight === 0) return undefined;
    const l = softmaxCrossEntropy(g, t.logits, t.labels, t.mask, t.classWeights);
    const weighted = t.weight === 1 ? l : mul(g, l, g.scalar(t.weight));
    total = total ? add(g, total, weighted) : weighted;
    return l;
  });
  return { total: total ?? g.scalar(0), perTask };
}
