/**
 * The "Label as…" quick pick: the task's labels (every task's, under separators, when no task is
 * given), the current prediction and the person's own label marked, and "New label…" to add a
 * class (the server grows the head by one output on the next retrain).
 */
import * as vscode from 'vscode';
import type { Classification, TaskInfo } from '../../protocol.js';

export interface LabelChoice {
  readonly task: string;
  readonly label: string;
  readonly isNew: boolean;
}

type Item = vscode.QuickPickItem & { choice?: { task: string; label?: string } };

export const NEW_LABEL = '$(add) New label…';
const LABEL_RULE = /^[^\s,"][^\r\n]{0,62}[^\s]$|^[^\s,"]$/;

export function labelItems(tasks: readonly TaskInfo[], result: Classification | undefined, given: Readonly<Record<string, string>>): Item[] {
  const items: Item[] = [];
  for (const t of tasks) {
    if (tasks.length > 1) items.push({ label: t.name, kind: vscode.QuickPickItemKind.Separator });
    const r = result?.tasks[t.name];
    for (const label of t.labels) {
      const notes: string[] = [];
      if (r) notes.push(`${Math.round((r.probs[label] ?? 0) * 100)}%`);
      if (r?.label === label) notes.push('current prediction');
      if (given[t.name] === label) notes.push('your label');
      items.push({ label: `${r?.label === label ? '$(circle-filled)' : '$(circle-outline)'} ${label}`, description: notes.join(' · '), choice: { task: t.name, label } });
    }
    items.push({ label: NEW_LABEL, description: tasks.length > 1 ? `a new ${t.name} class` : 'a new class: the head grows by one output', choice: { task: t.name } });
  }
  return items;
}

/** Asks for a label of `tasks` (one task, or any); undefined when dismissed. */
export async function pickLabel(sentence: string, tasks: readonly TaskInfo[], result: Classification | undefined, given: Readonly<Record<string, string>>): Promise<LabelChoice | undefined> {
  const short = sentence.length > 60 ? `${sentence.slice(0, 59)}…` : sentence;
  const pick = await vscode.window.showQuickPick(labelItems(tasks, result, given), {
    title: `Sentence Lens: Label as… — “${short}”`,
    placeHolder: tasks.length === 1 ? `The ${tasks[0]!.name} of this sentence` : 'The right label for this sentence',
    matchOnDescription: true,
  });
  if (!pick?.choice) return undefined;
  if (pick.choice.label !== undefined) return { task: pick.choice.task, label: pick.choice.label, isNew: false };
  const task = tasks.find((t) => t.name === pick.choice!.task)!;
  const label = await vscode.window.showInputBox({
    title: `Sentence Lens: a new ${task.name} label`,
    prompt: `Existing: ${task.labels.join(', ')}. The ${task.name} head gains one output for it.`,
    validateInput: (v) => validateNewLabel(v, task.labels),
  });
  return label === undefined ? undefined : { task: task.name, label: label.trim(), isNew: true };
}

export function validateNewLabel(value: string, existing: readonly string[]): string | undefined {
  const v = value.trim();
  if (!v) return 'Type the new label';
  if (existing.includes(v)) return `"${v}" is already a label of this task`;
  if (!LABEL_RULE.test(v)) return 'At most 64 characters on one line, not starting with a comma or a quote';
  return undefined;
}
