/**
 * Classification metrics per task: accuracy, macro-F1 and the confusion matrix, from class
 * indices. Rows without a label for the task (null) are left out, as they are of its loss.
 *
 * Macro-F1 follows scikit-learn's `f1_score(average='macro')` with its default label set: the
 * mean over the classes that occur among the true or the predicted labels, so a class that
 * the evaluation data never mentions does not drag the mean down; a class with
 * precision + recall = 0 counts as F1 = 0.
 */

export interface TaskMetrics {
  /** Labelled rows evaluated. */
  readonly count: number;
  /** Mean cross-entropy over the labelled rows (set by the evaluator; NaN when unknown). */
  readonly loss: number;
  readonly accuracy: number;
  readonly macroF1: number;
  /** Per class, in label order: precision, recall, F1 and support (true count). */
  readonly perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  /** confusion[true][predicted], in label order. */
  readonly confusion: number[][];
  readonly labels: string[];
}

/** Accumulates predictions for one task, batch by batch. */
export class ConfusionMatrix {
  readonly counts: number[][];

  constructor(readonly labels: readonly string[]) {
    this.counts = labels.map(() => labels.map(() => 0));
  }

  add(truth: number, predicted: number): void {
    this.counts[truth]![predicted]! += 1;
  }

  /** Rows of logits [n, K] with their labels (null = no label for this task). */
  addLogits(logits: Float32Array, labels: readonly (number | null)[]): void {
    const k = this.labels.length;
    labels.forEach((y, row) => {
      if (y === null) return;
      let best = 0;
      for (let c = 1; c < k; c++) if (logits[row * k + c]! > logits[row * k + best]!) best = c;
      this.add(y, best);
    });
  }

  metrics(loss = Number.NaN): TaskMetrics {
    return metricsFromConfusion(this.counts, this.labels, loss);
  }
}

export function metricsFromConfusion(confusion: readonly (readonly number[])[], labels: readonly string[], loss = Number.NaN): TaskMetrics {
  const k = labels.length;
  let count = 0;
  let correct = 0;
  const predicted = new Array<number>(k).fill(0);
  const support = new Array<number>(k).fill(0);
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      const n = confusion[t]![p]!;
      count += n;
      support[t] += n;
      predicted[p] += n;
      if (t === p) correct += n;
    }
  }
  const perClass = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const precision = predicted[c]! > 0 ? tp / predicted[c]! : 0;
    const recall = support[c]! > 0 ? tp / support[c]! : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: support[c]! };
  });
  const present = perClass.filter((_, c) => support[c]! > 0 || predicted[c]! > 0);
  const macroF1 = present.length > 0 ? present.reduce((s, c) => s + c.f1, 0) / present.length : 0;
  return {
    count,
    loss,
    accuracy: count > 0 ? correct / count : 0,
    macroF1,
    perClass,
    confusion: confusion.map((r) => [...r]),
    labels: [...labels],
  };
}
