/**
 * Uncertainty sampling: a sentence's margin for a task is its top-1 minus its top-2 probability;
 * the smaller, the less sure the model, and the more a label from a person teaches it. Pure.
 */
import type { Classification } from '../../protocol.js';

export interface LabelP {
  readonly label: string;
  readonly p: number;
}

export interface Margin {
  readonly margin: number;
  /** The two most likely labels. */
  readonly top: readonly [LabelP, LabelP];
}

export function marginOf(probs: Readonly<Record<string, number>>): Margin {
  const [a = ['', 0], b = ['', 0]] = Object.entries(probs).sort((x, y) => y[1] - x[1]);
  return { margin: a[1] - b[1], top: [{ label: a[0], p: a[1] }, { label: b[0], p: b[1] }] };
}

export interface Ranked<T> extends Margin {
  readonly item: T;
}

/** Items ordered by their margin on `task`, least certain first (ties: document order). Items without the task are left out. */
export function rankByMargin<T extends { readonly result: Classification }>(items: readonly T[], task: string): Ranked<T>[] {
  const out: Ranked<T>[] = [];
  for (const item of items) {
    const r = item.result.tasks[task];
    if (r) out.push({ item, ...marginOf(r.probs) });
  }
  // Array.prototype.sort is stable: equal margins keep document order.
  return out.sort((a, b) => a.margin - b.margin);
}
