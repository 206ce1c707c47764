/**
 * Per-document annotations: a label after each classified sentence, its sentiment as a coloured
 * underline (and a mark in the overview ruler), hovers with every probability; kept in place
 * through edits, gone on Clear or when the document closes.
 *
 * Labels are inlay hints (see inlay-labels.ts), not after-text decorations: the editor counts
 * inlay hints when it wraps lines, while after-text decorations were drawn past the wrap column
 * and pushed the end of a long classified line out of view. Inlay hints cannot be coloured by an
 * extension, so the colour moved to the sentence's underline.
 */
import * as vscode from 'vscode';
import { type Annotation, type TextChange, mergeAnnotations, shiftAnnotations } from './annotation-state.js';
import { type Tone, hoverMarkdown, toneOf } from './decoration-format.js';
import { InlayLabels } from './inlay-labels.js';
import type { Settings } from './settings.js';

/** Tones drawn with a colour; neutral sentences get only their label. */
const COLOURED = ['positive', 'negative'] as const;
type ColouredTone = (typeof COLOURED)[number];

export type HoverExtra = (doc: vscode.TextDocument, a: Annotation) => { readonly markdown: string; readonly commands: readonly string[] } | undefined;

export class Annotations implements vscode.Disposable {
  private readonly docs = new Map<string, Annotation[]>();
  private readonly types: Record<ColouredTone, vscode.TextEditorDecorationType>;
  private readonly labels: InlayLabels;
  private readonly changed = new vscode.EventEmitter<vscode.TextDocument>();
  /** Fires after a document's annotations moved because of an edit. */
  readonly onDidShift = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private hoverExtra: HoverExtra | undefined;

  constructor(private readonly settings: () => Settings) {
    const make = (tone: ColouredTone) => {
      const colour = new vscode.ThemeColor(`sentenceLens.${tone}Foreground`);
      return vscode.window.createTextEditorDecorationType({
        borderStyle: 'solid',
        borderWidth: '0 0 2px 0',
        borderColor: colour,
        overviewRulerColor: colour,
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
    };
    this.types = { positive: make('positive'), negative: make('negative') };
    this.labels = new InlayLabels((doc) => this.get(doc), settings, (doc, a) => this.hoverText(doc, a));
    this.subscriptions.push(
      this.labels,
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.docs.delete(d.uri.toString())),
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      // Hovers are answered on demand rather than attached to every decoration: a 2,000-sentence
      // document would otherwise ship 2,000 Markdown tables to the renderer on each redraw.
      vscode.languages.registerHoverProvider('*', { provideHover: (doc, pos) => this.hover(doc, pos) }),
    );
  }

  /** The annotation whose sentence contains `offset` (annotations are sorted by start). */
  at(doc: vscode.TextDocument, offset: number): Annotation | undefined {
    const anns = this.get(doc);
    let lo = 0;
    let hi = anns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const a = anns[mid]!;
      if (offset < a.start) hi = mid - 1;
      else if (offset > a.end) lo = mid + 1;
      else return a;
    }
    return undefined;
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const a = this.at(doc, doc.offsetAt(pos));
    if (!a) return undefined;
    const range = new vscode.Range(doc.positionAt(a.start), doc.positionAt(a.end));
    return new vscode.Hover(this.hoverText(doc, a), range);
  }

  /** More Markdown under each hover (the "Label as…" links), trusted for `commands` only. */
  setHoverExtra(extra: HoverExtra): void {
    this.hoverExtra = extra;
  }

  private hoverText(doc: vscode.TextDocument, a: Annotation): vscode.MarkdownString {
    const s = this.settings();
    const md = new vscode.MarkdownString(hoverMarkdown(a.result, { maxLength: s.maxLength, unknownThreshold: s.unknownVocabularyThreshold }), true);
    const extra = this.hoverExtra?.(doc, a);
    if (extra) {
      md.appendMarkdown(`\n\n${extra.markdown}`);
      // Command links run only for the commands named here.
      md.isTrusted = { enabledCommands: [...extra.commands] };
    }
    return md;
  }

  get(doc: vscode.TextDocument): readonly Annotation[] {
    return this.docs.get(doc.uri.toString()) ?? [];
  }

  /** Adds (replacing overlapped ones) and redraws. */
  add(doc: vscode.TextDocument, anns: readonly Annotation[]): void {
    this.set(doc, mergeAnnotations(this.get(doc), anns));
  }

  set(doc: vscode.TextDocument, anns: Annotation[]): void {
    if (anns.length === 0) this.docs.delete(doc.uri.toString());
    else this.docs.set(doc.uri.toString(), anns);
    this.render(doc);
  }

  clear(doc?: vscode.TextDocument): void {
    if (doc) this.set(doc, []);
    else {
      this.docs.clear();
      this.renderAll();
    }
  }

  /** Forgets the annotations of every document but these. */
  clearExcept(keep: ReadonlySet<vscode.TextDocument>): void {
    const kept = new Set([...keep].map((d) => d.uri.toString()));
    for (const k of [...this.docs.keys()]) if (!kept.has(k)) this.docs.delete(k);
    this.renderAll();
  }

  renderAll(): void {
    for (const e of vscode.window.visibleTextEditors) this.renderEditor(e);
  }

  render(doc: vscode.TextDocument): void {
    for (const e of vscode.window.visibleTextEditors) if (e.document === doc) this.renderEditor(e);
  }

  dispose(): void {
    for (const t of COLOURED) this.types[t].dispose();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  private renderEditor(editor: vscode.TextEditor): void {
    const s = this.settings();
    const byTone: Record<Tone, vscode.Range[]> = { positive: [], negative: [], neutral: [] };
    for (const a of this.get(editor.document)) {
      byTone[toneOf(a.result, s.minConfidence, s.unknownVocabularyThreshold)].push(
        new vscode.Range(editor.document.positionAt(a.start), editor.document.positionAt(a.end)),
      );
    }
    for (const t of COLOURED) editor.setDecorations(this.types[t], byTone[t]);
    this.labels.refresh(editor.document);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const anns = this.docs.get(e.document.uri.toString());
    if (!anns || e.contentChanges.length === 0) return;
    const changes: TextChange[] = e.contentChanges.map((c) => ({ start: c.rangeOffset, end: c.rangeOffset + c.rangeLength, newLength: c.text.length }));
    this.set(e.document, shiftAnnotations(anns, changes));
    this.changed.fire(e.document);
  }
}
