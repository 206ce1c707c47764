/**
 * The teach-in-place commands: Label as… (hover link, code action, palette), Undo Last Label,
 * Review Uncertain Sentences, Open Labels File; and the "Correct label" code action.
 */
import * as vscode from 'vscode';
import type { Classification } from '../../protocol.js';
import type { Annotation } from '../annotation-state.js';
import { annotateIncrementally } from '../commands/annotate.js';
import { type CommandContext, guarded, targetSentencesOrExplain } from '../commands/context.js';
import type { SentenceRange } from '../../text/sentence-range.js';
import { LABEL_AS, type LabelTarget, isLabelTarget } from './hover-links.js';
import { pickLabel } from './label-pick.js';
import { rankByMargin } from './margins.js';
import type { Teacher } from './teacher.js';

export const LABEL_SENTENCE = 'sentenceLens.labelSentence';
export const UNDO_LABEL = 'sentenceLens.undoLastLabel';
export const REVIEW_UNCERTAIN = 'sentenceLens.reviewUncertainSentences';
export const OPEN_LABELS = 'sentenceLens.openLabelsFile';

export function registerLabelCommands(ctx: CommandContext, teacher: Teacher): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(LABEL_AS, (target?: unknown) => labelAs(ctx, teacher, isLabelTarget(target) ? target : undefined)),
    vscode.commands.registerCommand(LABEL_SENTENCE, () => labelAs(ctx, teacher, undefined)),
    vscode.commands.registerCommand(UNDO_LABEL, () => undoLastLabel(ctx, teacher)),
    vscode.commands.registerCommand(REVIEW_UNCERTAIN, () => reviewUncertain(ctx, teacher)),
    vscode.commands.registerCommand(OPEN_LABELS, () => openLabelsFile(teacher)),
    vscode.languages.registerCodeActionsProvider('*', new CorrectLabelActions(ctx), { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
  ];
}

/** "Sentence Lens: Correct label" on an annotated sentence (lightbulb / Ctrl+.). */
class CorrectLabelActions implements vscode.CodeActionProvider {
  constructor(private readonly ctx: CommandContext) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    const a = this.ctx.annotations.at(doc, doc.offsetAt(range.start));
    if (!a) return [];
    const action = new vscode.CodeAction('Sentence Lens: Correct label', vscode.CodeActionKind.QuickFix);
    const target: LabelTarget = { uri: doc.uri.toString(), start: a.start, end: a.end };
    action.command = { command: LABEL_AS, title: 'Correct label', arguments: [target] };
    return [action];
  }
}

/** The sentence a target means: the annotation there, or the sentence at the cursor. */
async function resolveTarget(ctx: CommandContext, target: LabelTarget | undefined): Promise<{ doc: vscode.TextDocument; sentence: SentenceRange; result?: Classification } | undefined> {
  if (target) {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.uri);
    const a = doc && ctx.annotations.at(doc, target.start);
    if (!doc || !a) {
      void vscode.window.showInformationMessage('Sentence Lens: that sentence changed or is no longer annotated; annotate it again to label it.');
      return undefined;
    }
    return { doc, sentence: a, result: a.result };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const [sentence] = (await targetSentencesOrExplain(ctx, editor)) ?? [];
  if (!sentence) return undefined;
  const a = ctx.annotations.at(editor.document, sentence.start);
  return { doc: editor.document, sentence, result: a && a.text === sentence.text ? a.result : undefined };
}

export async function labelAs(ctx: CommandContext, teacher: Teacher, target: LabelTarget | undefined): Promise<void> {
  const why = teacher.unavailable();
  if (why) {
    void vscode.window.showInformationMessage(`Sentence Lens: ${why}`);
    return;
  }
  await guarded(ctx, async () => {
    const t = await resolveTarget(ctx, target);
    if (!t) return;
    let result = t.result;
    if (!result) {
      result = (await ctx.host.classify([t.sentence.text])).results[0];
      if (result && !t.doc.isClosed) ctx.annotations.add(t.doc, [{ ...t.sentence, result }]);
    } else await ctx.host.ensureModel();
    const tasks = (ctx.host.state.model?.tasks ?? []).filter((x) => !target?.task || x.name === target.task);
    if (tasks.length === 0) {
      void vscode.window.showInformationMessage(`Sentence Lens: the model has no task${target?.task ? ` named "${target.task}"` : ''} to label.`);
      return;
    }
    const choice = await pickLabel(t.sentence.text, tasks, result, teacher.given(t.sentence.text));
    if (!choice) return;
    await teacher.label(t.sentence.text, choice.task, choice.label);
  });
}

async function undoLastLabel(ctx: CommandContext, teacher: Teacher): Promise<void> {
  if (!teacher.canUndo) {
    void vscode.window.showInformationMessage('Sentence Lens: no label to undo in this session.');
    return;
  }
  await guarded(ctx, async () => {
    const step = await teacher.undo();
    const u = step?.[0];
    if (!step || !u) return;
    const was = u.before === undefined || u.before === '' ? 'no label' : u.before;
    const what = step.length === 1 ? `“${short(u.sentence)}” (back to ${was})` : `${step.length} sentences (back to what they had)`;
    void vscode.window.showInformationMessage(`Sentence Lens: undid ${u.task} = ${u.after} for ${what}; retraining.`);
  });
}

type ReviewItem = vscode.QuickPickItem & { ann?: Annotation; task?: string };

/** The document's sentences by margin, least certain first, one section per task. */
export function reviewItems(anns: readonly Annotation[], tasks: readonly string[], given: (sentence: string) => Readonly<Record<string, string>>): ReviewItem[] {
  const items: ReviewItem[] = [];
  for (const task of tasks) {
    items.push({ label: task, kind: vscode.QuickPickItemKind.Separator });
    for (const r of rankByMargin(anns, task)) {
      const mine = given(r.item.text)[task];
      items.push({
        label: `${mine ? '$(check) ' : ''}${short(r.item.text, 90)}`,
        description: `margin ${pct(r.margin)} · ${r.top[0].label} ${pct(r.top[0].p)} / ${r.top[1].label} ${pct(r.top[1].p)}${mine ? ` · labelled ${mine}` : ''}`,
        ann: r.item,
        task,
      });
    }
  }
  return items;
}

async function reviewUncertain(ctx: CommandContext, teacher: Teacher): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  const doc = editor.document;
  await guarded(ctx, async () => {
    const needed = ctx.annotations.get(doc).length === 0;
    if (needed) {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Sentence Lens: classifying the document', cancellable: true }, (_p, token) => annotateIncrementally(ctx, doc, token));
    } else await ctx.host.ensureModel();
    const anns = ctx.annotations.get(doc);
    const tasks = ctx.host.state.model?.tasks.map((t) => t.name) ?? [];
    if (anns.length === 0 || tasks.length === 0) {
      void vscode.window.showInformationMessage('Sentence Lens: no classified sentences to review in this document.');
      return;
    }
    const pick = await vscode.window.showQuickPick(reviewItems(anns, tasks, (s) => teacher.given(s)), {
      title: 'Sentence Lens: Review Uncertain Sentences — least certain first (✓ labelled by you)',
      placeHolder: 'Choose a sentence to see it and label it',
      matchOnDescription: true,
    });
    if (!pick?.ann || !pick.task) return;
    const range = new vscode.Range(doc.positionAt(pick.ann.start), doc.positionAt(pick.ann.end));
    const shown = await vscode.window.showTextDocument(doc, { selection: range, preserveFocus: false });
    shown.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    await labelAs(ctx, teacher, { uri: doc.uri.toString(), start: pick.ann.start, end: pick.ann.end, task: pick.task });
  });
}

async function openLabelsFile(teacher: Teacher): Promise<void> {
  const p = teacher.params();
  if (!p) {
    void vscode.window.showInformationMessage(`Sentence Lens: ${teacher.unavailable() ?? 'no labels file'}`);
    return;
  }
  try {
    await vscode.window.showTextDocument(vscode.Uri.file(p.labelsFile));
  } catch {
    void vscode.window.showInformationMessage(`Sentence Lens: no labels yet (${p.labelsFile} is created by the first "Label as…").`);
  }
}

function short(s: string, n = 60): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
