/**
 * The after-text of an annotation, its sentiment tone and its hover table. Pure: no vscode.
 *
 * Template placeholders (setting `sentenceLens.decorationFormat`):
 *   {task}    the task's most likely label, e.g. {topic} → "food"; "?" when its probability is
 *             under `sentenceLens.minConfidence`
 *   {task%}   that label's probability as a whole percent, e.g. {topic%} → "92%"
 * Any other text is kept as written. When the template names a task the model does not have,
 * the decoration falls back to every task of the model: "label p% · label p%".
 */
import type { Classification } from '../protocol.js';

export const DEFAULT_DECORATION_FORMAT = '{topic} {topic%} · {sentiment} {sentiment%}';

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_-]*)(%?)\}/g;

export type Tone = 'positive' | 'negative' | 'neutral';

export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

function labelOf(c: Classification, task: string, minConfidence: number): string {
  const t = c.tasks[task]!;
  return (t.probs[t.label] ?? 0) < minConfidence ? '?' : t.label;
}

export function formatDecoration(template: string, c: Classification, minConfidence = 0): string {
  const named = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const tasks = Object.keys(c.tasks);
  let text: string;
  if (named.length === 0 || named.some((n) => !(n in c.tasks))) {
    text = tasks.map((t) => `${labelOf(c, t, minConfidence)} ${percent(c.tasks[t]!.probs[c.tasks[t]!.label] ?? 0)}`).join(' · ');
  } else {
    text = template.replace(PLACEHOLDER, (_, name: string, pct: string) =>
      pct ? percent(c.tasks[name]!.probs[c.tasks[name]!.label] ?? 0) : labelOf(c, name, minConfidence),
    );
  }
  return c.truncated ? `${text} (truncated)` : text;
}

/** positive/negative from a task named "sentiment" (or else any task with those labels), when confident enough. */
export function toneOf(c: Classification, minConfidence = 0): Tone {
  const task = c.tasks['sentiment'] ?? Object.values(c.tasks).find((t) => 'positive' in t.probs && 'negative' in t.probs);
  if (!task || (task.probs[task.label] ?? 0) < minConfidence) return 'neutral';
  const l = task.label.toLowerCase();
  return l === 'positive' || l === 'negative' ? l : 'neutral';
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (ch) => `\\${ch}`);
}

/** A Markdown table of every task's probabilities, most likely label first and in bold. */
export function hoverMarkdown(c: Classification, options: { maxLength?: number; model?: string } = {}): string {
  const rows = ['| Task | Label | Probability |', '|:--|:--|--:|'];
  for (const [task, r] of Object.entries(c.tasks)) {
    const labels = Object.entries(r.probs).sort((a, b) => b[1] - a[1]);
    labels.forEach(([label, p], i) => {
      const l = escapeMarkdown(label);
      rows.push(`| ${i === 0 ? escapeMarkdown(task) : ''} | ${label === r.label ? `**${l}**` : l} | ${(p * 100).toFixed(1)}% |`);
    });
  }
  const lines = ['**Sentence Lens**', '', ...rows];
  if (c.truncated) {
    lines.push('', `_The sentence was longer than ${options.maxLength ?? 'the maximum'} tokens; only its beginning was classified._`);
  }
  if (options.model) lines.push('', `_Model: ${escapeMarkdown(options.model)}_`);
  return lines.join('\n');
}
