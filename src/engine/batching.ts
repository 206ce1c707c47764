/**
 * Length bucketing. Prose mixes 4-word and 60-word sentences; padding every batch to its
 * longest member wastes most of the arithmetic. Sorting by length first keeps each batch
 * nearly uniform, and results are put back in the caller's order.
 */
export interface Bucket {
  /** Positions in the caller's list, in the order the batch holds them. */
  readonly indices: readonly number[];
  readonly seqLen: number;
}

export function lengthBuckets(lengths: readonly number[], batchSize: number, maxTokens = Infinity): Bucket[] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const buckets: Bucket[] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of order) {
    const len = lengths[i]!;
    // Sorted ascending, so this sentence is the longest so far in the batch.
    if (current.length > 0 && (current.length >= batchSize || (current.length + 1) * len > maxTokens)) {
      buckets.push({ indices: current, seqLen: longest });
      current = [];
    }
    current.push(i);
    longest = len;
  }
  if (current.length > 0) buckets.push({ indices: current, seqLen: longest });
  return buckets;
}
