/**
 * The in-batch multiple-negatives ranking loss in plain float64 loops, from its definition
 * (sentence-transformers' MultipleNegativesRankingLoss): cosine similarities of every anchor
 * with every positive, times the scale, and the mean cross-entropy of each anchor picking its
 * own positive; `symmetric` averages in each positive picking its own anchor. Shares no code
 * with the graph builder.
 */
export function referenceRankingLoss(anchors: ArrayLike<number>[], positives: ArrayLike<number>[], scale: number, symmetric = false): number {
  const unit = (v: ArrayLike<number>) => {
    const xs = Array.from(v);
    const n = Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
    return xs.map((x) => x / n);
  };
  const ua = anchors.map(unit);
  const up = positives.map(unit);
  const s = ua.map((x) => up.map((y) => scale * x.reduce((acc, xi, k) => acc + xi * y[k]!, 0)));
  const rowLoss = (m: number[][]) => m.reduce((total, row, i) => {
    const top = Math.max(...row);
    const logZ = top + Math.log(row.reduce((z, v) => z + Math.exp(v - top), 0));
    return total + (logZ - row[i]!);
  }, 0) / m.length;
  const forward = rowLoss(s);
  if (!symmetric) return forward;
  const transposed = s[0]!.map((_, j) => s.map((row) => row[j]!));
  return (forward + rowLoss(transposed)) / 2;
}
