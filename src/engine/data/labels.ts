import { SentenceLensError } from '../errors.js';

/**
 * Label vocabularies: the ordered list of a task's labels, whose positions are the class
 * indices a head predicts. The order must be stable across runs and machines, so it never
 * depends on the order rows happen to appear in, nor on the locale.
 */

/**
 * Sorted vocabulary from the labels seen. All-numeric labels (star ratings, 0/1) sort by
 * value so "10" comes after "9"; everything else sorts by code unit, which is
 * locale-independent.
 */
export function vocabFromLabels(seen: Iterable<string>): string[] {
  const unique = [...new Set(seen)];
  const numeric = unique.length > 0 && unique.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  if (numeric) return unique.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  return unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Label → class index, for encoding rows. */
export function labelIndex(vocab: readonly string[]): Map<string, number> {
  return new Map(vocab.map((label, i) => [label, i]));
}

/** Class index → label, with an error that names the task instead of returning undefined. */
export function labelAt(task: string, vocab: readonly string[], index: number): string {
  const label = vocab[index];
  if (label === undefined || !Number.isInteger(index)) {
    throw new SentenceLensError(
      'BAD_ARGUMENT',
      `task '${task}': label index ${index} is out of range; expected 0..${vocab.length - 1}`,
    );
  }
  return label;
}

/**
 * Checks a vocabulary handed in from outside (a checkpoint being continued): a duplicate or
 * blank label would make two class indices mean the same thing.
 */
export function validateVocab(task: string, vocab: readonly string[]): void {
  const seen = new Set<string>();
  for (const label of vocab) {
    if (label.trim() === '') {
      throw new SentenceLensError('BAD_ARGUMENT', `task '${task}': the label vocabulary has a blank label; expected non-empty labels`);
    }
    if (seen.has(label)) {
      throw new SentenceLensError('BAD_ARGUMENT', `task '${task}': the label vocabulary lists '${label}' twice; expected each label once`);
    }
    seen.add(label);
  }
}

/**
 * Extends a fixed vocabulary with new labels, appended in sorted order so existing indices
 * (and the trained head rows behind them) keep their meaning.
 */
export function mergeVocab(fixed: readonly string[], seen: Iterable<string>): string[] {
  const known = new Set(fixed);
  const added = vocabFromLabels([...seen].filter((l) => !known.has(l)));
  return [...fixed, ...added];
}
