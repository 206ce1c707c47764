/** Token states → one fixed-length sentence vector. */
import type { Pooling } from '../choices.js';
import { type Graph, type Value, div, gather, max, mul, reduceSum, unsqueeze } from '../graph/index.js';

export type { Pooling };

export function pool(g: Graph, tokens: Value, maskFloat: Value, pooling: Pooling): Value {
  if (pooling === 'cls') return gather(g, tokens, g.constant([0n], 'int64', []), 1);
  // Masked mean: padding positions contribute nothing, and the divisor counts real tokens.
  const mask = unsqueeze(g, maskFloat, [-1]);
  const summed = reduceSum(g, mul(g, tokens, mask), [1]);
  const count = max(g, reduceSum(g, mask, [1]), g.scalar(1e-9));
  return div(g, summed, count);
}
