/**
 * Contrastive sentence-embedding losses, as compositions of primitives (like composite.ts):
 * they need no gradient rule of their own, because the backward sweep differentiates the
 * normalisation, the MatMul, the LogSoftmax and the reductions they expand to, each of which
 * keeps its rule beside its emission. The only new node is the identity mask, which comes
 * from integer ops and so carries no gradient.
 *
 * multipleNegativesRankingLoss is sentence-transformers' MultipleNegativesRankingLoss: for a
 * batch of (anchor_i, positive_i) pairs, every other positive_j is a negative for anchor_i,
 * and the loss is the cross-entropy of picking positive_i among all positives by cosine
 * similarity times a scale (1/temperature; sentence-transformers' default scale is 20):
 *   L = −(1/n) Σ_i log softmax_j(scale · cos(a_i, p_j))_i
 * Unsupervised SimCSE is the same loss with anchor and positive being one sentence encoded
 * twice under different dropout masks.
 */
import type { Graph, Value } from '../graph.js';
import { add, mul, neg } from './elementwise.js';
import { l2Normalize } from './composite.js';
import { matmul } from './linear.js';
import { logSoftmax } from './nn.js';
import { reduceMean, reduceSum } from './reduce.js';
import { cast, range, shapeOf, transpose, unsqueeze } from './shape-ops.js';

/** cos(a_i, b_j) for every pair of rows: a [n, d], b [m, d] → [n, m]. */
export function cosineSimilarities(g: Graph, a: Value, b: Value): Value {
  if (a.rank !== 2 || b.rank !== 2) throw new Error('cosineSimilarities expects two 2-D inputs [rows, dim]');
  return matmul(g, l2Normalize(g, a), transpose(g, l2Normalize(g, b), [1, 0]));
}

/**
 * 1 on the diagonal of a square [n, n] matrix, 0 elsewhere, in the graph's float type; n is
 * read at run time (the batch is a symbolic size). Built by comparing two integer ranges, so
 * the sweep never reaches it.
 */
function identityLike(g: Graph, square: Value): Value {
  const n = g.node('Squeeze', [shapeOf(g, square, 0, 1), g.int64s([0])], [{ dtype: 'int64', shape: [] }])[0]!;
  const idx = range(g, n, String(square.shape[0]));
  const eq = g.node('Equal', [unsqueeze(g, idx, [1]), unsqueeze(g, idx, [0])], [{ dtype: 'bool', shape: [square.shape[0]!, square.shape[0]!] }])[0]!;
  return cast(g, eq, g.floatType);
}

/** Mean over rows of −log softmax(scores)_{i,i} (the right answer of row i is column i). */
function diagonalCrossEntropy(g: Graph, scores: Value, eye: Value): Value {
  const picked = reduceSum(g, mul(g, eye, logSoftmax(g, scores, -1)), [1]);
  return neg(g, reduceMean(g, picked, [0]));
}

export interface RankingLossOptions {
  /** Multiplies the cosine similarities (1/temperature). sentence-transformers' default: 20. */
  readonly scale: number;
  /**
   * Also rank the anchors for each positive (the transposed scores), averaging both
   * directions, as sentence-transformers' MultipleNegativesSymmetricRankingLoss.
   */
  readonly symmetric?: boolean;
}

/** In-batch multiple-negatives ranking loss over anchors [n, d] and their positives [n, d]; a scalar. */
export function multipleNegativesRankingLoss(g: Graph, anchors: Value, positives: Value, options: RankingLossOptions): Value {
  if (!(options.scale > 0)) throw new Error(`the ranking loss's scale must be positive, got ${options.scale}`);
  const scores = mul(g, cosineSimilarities(g, anchors, positives), g.scalar(options.scale));
  const eye = identityLike(g, scores);
  const forward = diagonalCrossEntropy(g, scores, eye);
  if (!options.symmetric) return forward;
  const backward = diagonalCrossEntropy(g, transpose(g, scores, [1, 0]), eye);
  return mul(g, add(g, forward, backward), g.scalar(0.5));
}
