/**
 * Annotation labels as inlay hints: "food 92% · positive 88%" after each classified sentence.
 * The editor measures inlay hints when it wraps lines, so with word wrap on a label moves to the
 * next visual line instead of pushing the end of the text out of view (after-text decorations
 * did). Each label's tooltip, the same table as the sentence's hover, is built only when shown.
 */
import * as vscode from 'vscode';
import type { Annotation } from './annotation-state.js';
import { formatDecoration } from './decoration-format.js';
import type { Settings } from './settings.js';

interface LabelHint extends vscode.InlayHint {
  readonly annotation: Annotation;
  readonly document: vscode.TextDocument;
}

export class InlayLabels implements vscode.InlayHintsProvider<LabelHint>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private readonly registration: vscode.Disposable;
  private warnedOff = false;

  constructor(
    private readonly annotationsOf: (doc: vscode.TextDocument) => readonly Annotation[],
    private readonly settings: () => Settings,
    private readonly tooltip: (doc: vscode.TextDocument, a: Annotation) => vscode.MarkdownString,
  ) {
    this.registration = vscode.languages.registerInlayHintsProvider('*', this);
  }

  /** Asks the editor for fresh labels (it asks for the visible range of each visible editor). */
  refresh(doc: vscode.TextDocument): void {
    this.changed.fire();
    if (this.annotationsOf(doc).length > 0) this.warnIfHidden(doc);
  }

  provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): LabelHint[] {
    const anns = this.annotationsOf(doc);
    if (anns.length === 0) return [];
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    const s = this.settings();
    const out: LabelHint[] = [];
    // Annotations are sorted and do not overlap: the first whose end is in range, then onwards.
    let lo = 0;
    let hi = anns.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (anns[mid]!.end < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < anns.length && anns[i]!.end <= to; i++) {
      const a = anns[i]!;
      const hint = new vscode.InlayHint(doc.positionAt(a.end), formatDecoration(s.decorationFormat, a.result, s.minConfidence, s.unknownVocabularyThreshold)) as LabelHint;
      hint.paddingLeft = true;
      out.push(Object.assign(hint, { annotation: a, document: doc }));
    }
    return out;
  }

  resolveInlayHint(hint: LabelHint): LabelHint {
    hint.tooltip = this.tooltip(hint.document, hint.annotation);
    return hint;
  }

  /** Labels are invisible when the user turned inlay hints off: say so once, with the way back. */
  private warnIfHidden(doc: vscode.TextDocument): void {
    if (this.warnedOff) return;
    const enabled = vscode.workspace.getConfiguration('editor.inlayHints', doc).get<string>('enabled');
    if (enabled !== 'off' && enabled !== 'offUnlessPressed') return;
    this.warnedOff = true;
    void vscode.window
      .showWarningMessage(
        `Sentence Lens shows its labels as inlay hints, which are ${enabled === 'off' ? 'turned off' : 'shown only while Ctrl+Alt is held'} (setting editor.inlayHints.enabled).`,
        'Turn On Inlay Hints',
      )
      .then((pick) => pick && vscode.workspace.getConfiguration('editor.inlayHints').update('enabled', 'on', vscode.ConfigurationTarget.Global));
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
