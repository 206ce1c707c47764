/**
 * A decorationFormat with a placeholder the loaded model cannot fill (a typo, or a task another
 * model had) is refused with a warning that names it, once per template and model; the labels
 * then show every task of the model.
 */
import * as vscode from 'vscode';
import { templateProblems } from './decoration-format.js';
import type { ModelInfo } from '../protocol.js';
import { SECTION } from './settings.js';

export class FormatCheck {
  private readonly warned = new Set<string>();

  constructor(private readonly log: vscode.LogOutputChannel) {}

  check(template: string, model: ModelInfo | undefined): void {
    if (!model) return;
    const tasks = model.tasks.map((t) => t.name);
    const problems = templateProblems(template, tasks);
    const key = JSON.stringify([template, tasks]);
    if (problems.length === 0 || this.warned.has(key)) return;
    this.warned.add(key);
    const names = problems.join(', ');
    const message =
      `setting ${SECTION}.decorationFormat has ${names}, which ${problems.length === 1 ? 'is not a placeholder' : 'are not placeholders'} of this model ` +
      `(its tasks: ${tasks.join(', ') || 'none'}; a placeholder is {task} or {task%}), so labels show every task instead.`;
    this.log.warn(message);
    void vscode.window.showWarningMessage(`Sentence Lens: ${message}`, 'Open Settings').then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.decorationFormat`);
    });
  }
}
