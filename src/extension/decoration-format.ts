/**
 * The after-text of an annotation, its sentiment tone and its hover table. Pure: no vscode.
 *
 * Template placeholders (setting `sentenceLens.decorationFormat`):
 *   {task}    the task's most likely label, e.g. {topic} → "food"; "?" when its probability is
 *             under `sentenceLens.minConfidence`
 *   {task%}   that label's probability as a whole percent, e.g. {topic%} → "92%"
 * Any other text is kept as written. When the template names a task the model does not have,
 * the decoration falls back to every task of the model: "label p% · label p%" (and the extension
 * warns, naming the placeholder: see templateProblems).
 *
 * A sentence whose words are mostly unknown to the model's vocabulary (Classification.unknownShare
 * at or above the threshold, setting `sentenceLens.unknownVocabularyThreshold`) gets no labels at
 * all: its probabilities say nothing. It shows UNFAMILIAR_LABEL, neutral, and the hover says why.
 */
import type { Classification } from '../protocol.js';

export const DEFAULT_DECORATION_FORMAT = '{topic} {topic%} · {sentiment} {sentiment%}';

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_-]*)(%?)\}/g;

export type Tone = 'positive' | 'negative' | 'neutral';

export const UNFAMILIAR_LABEL = '? unfamiliar words';

/** Does the model know too few of the sentence's words for its labels to mean anything? */
export function isUnfamiliar(c: Classification, threshold = Number.POSITIVE_INFINITY): boolean {
  return c.unknownShare !== undefined && c.unknownShare >= threshold;
}

/**
 * What is wrong with a template for a model with these tasks: each `{…}` that is not a
 * placeholder of one of them, as written (e.g. `{language}`). Empty when the template is fine.
 */
export function templateProblems(template: string, tasks: readonly string[]): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(/\{[^{}]*\}/g)) {
    const p = new RegExp(`^${PLACEHOLDER.source}$`).exec(m[0]);
    if (!p || !tasks.includes(p[1]!)) out.push(m[0]);
  }
  return [...new Set(out)];
}

export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

function labelOf(c: Classification, task: string, minConfidence: number): string {
  const t = c.tasks[task]!;
  return (t.probs[t.label] ?? 0) < minConfidence ? '?' : t.label;
}

export function formatDecoration(template: string, c: Classification, minConfidence = 0, unknownThreshold = Number.POSITIVE_INFINITY): string {
  if (isUnfamiliar(c, unknownThreshold)) return UNFAMILIAR_LABEL;
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
export function toneOf(c: Classification, minConfidence = 0, unknownThreshold = Number.POSITIVE_INFINITY): Tone {
  if (isUnfamiliar(c, unknownThreshold)) return 'neutral';
  const task = c.tasks['sentiment'] ?? Object.values(c.tasks).find((t) => 'positive' in t.probs && 'negative' in t.probs);
  if (!task || (task.probs[task.label] ?? 0) < minConfidence) return 'neutral';
  const l = task.label.toLowerCase();
  return l === 'positive' || l === 'negative' ? l : 'neutral';
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (ch) => `\\${ch}`);
}

/** A Markdown table of every task's probabilities, most likely label first and in bold. */
export function hoverMarkdown(c: Classification, options: { maxLength?: number; model?: string; unknownThreshold?: number } = {}): string {
  const rows = ['| Task | Label | Probability |', '|:--|:--|--:|'];
  for (const [task, r] of Object.entries(c.tasks)) {
    const labels = Object.entries(r.probs).sort((a, b) => b[1] - a[1]);
    labels.forEach(([label, p], i) => {
      const l = escapeMarkdown(label);
      rows.push(`| ${i === 0 ? escapeMarkdown(task) : ''} | ${label === r.label ? `**${l}**` : l} | ${(p * 100).toFixed(1)}% |`);
    });
  }
  const lines = ['**Sentence Lens**', ''];
  if (isUnfamiliar(c, options.unknownThreshold)) {
    lines.push(
      `**No labels:** ${percent(c.unknownShare!)} of this sentence's words are unknown to the model's vocabulary (another language, or words it never saw), so the probabilities below mean little. A multilingual model (e.g. \`sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2\`, via _Sentence Lens: Select Model…_) knows more languages. Threshold: setting \`sentenceLens.unknownVocabularyThreshold\`.`,
      '',
    );
  }
  lines.push(...rows);
  if (c.truncated) {
    lines.push('', `_The sentence was longer than ${options.maxLength ?? 'the maximum'} tokens; only its beginning was classified._`);
  }
  if (options.model) lines.push('', `_Model: ${escapeMarkdown(options.model)}_`);
  return lines.join('\n');
}
