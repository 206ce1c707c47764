/**
 * A base for a webview panel: each host shows one panel (opening again reveals it); the page
 * from webviewHtml, resources limited to dist/webview and media, every incoming message checked
 * against the view's schema, and revival after a window reload through a WebviewPanelSerializer
 * with the state the page saved (checked against its schema too). A view with several panels (the
 * sentence map, one per source) registers one serializer itself and hands each panel to a host.
 */
import * as vscode from 'vscode';
import type { z } from 'zod';
import { decodeMessage } from '../../webview/schema.js';
import { webviewHtml } from './html.js';
import { validatedListener } from './messages.js';

export interface WebviewViewSpec<In, State> {
  /** The panel's view type (also the serializer's key), e.g. `sentenceLens.trainingPanel`. */
  readonly viewType: string;
  /** The bundle's name: dist/webview/<view>.js and media/<view>.css. */
  readonly view: string;
  readonly title: string;
  /** Schema of the messages the page sends. */
  readonly incoming: z.ZodType<In>;
  /** Schema of what the page saves with vscode.setState. */
  readonly state: z.ZodType<State>;
  /**
   * True when the view has several panels: the caller registers the one serializer VS Code
   * allows per view type and hands each revived panel to its host with `revive`.
   */
  readonly sharedSerializer?: boolean;
}

/** Folders a webview may load from: its bundles and the shared media. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** The page for `view`, with a fresh nonce, as the webview must load it. */
export function renderView(webview: vscode.Webview, extensionUri: vscode.Uri, view: string, title: string): string {
  const uri = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts)).toString();
  return webviewHtml({
    cspSource: webview.cspSource,
    title,
    scriptUri: uri('dist', 'webview', `${view}.js`),
    styleUris: [uri('media', 'webview.css'), uri('media', `${view}.css`)],
    codiconUri: uri('dist', 'webview', 'codicons', 'codicon.css'),
  });
}

export abstract class WebviewPanelHost<In, Out, State> implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly panelSubscriptions: vscode.Disposable[] = [];
  private readonly serializer: vscode.Disposable | undefined;
  private title: string;

  constructor(
    protected readonly extensionUri: vscode.Uri,
    protected readonly log: vscode.LogOutputChannel,
    private readonly spec: WebviewViewSpec<In, State>,
  ) {
    this.title = spec.title;
    this.serializer = spec.sharedSerializer
      ? undefined
      : vscode.window.registerWebviewPanelSerializer(spec.viewType, { deserializeWebviewPanel: async (panel, raw) => this.revive(panel, raw) });
  }

  /** Takes over a panel VS Code revived after a reload, with the state its page saved (checked). */
  revive(panel: vscode.WebviewPanel, raw: unknown): void {
    const state = raw === undefined || raw === null ? undefined : decodeMessage(this.spec.state, raw);
    if (state && !state.ok) this.log.warn(`${this.spec.view} webview: saved state ignored (${state.why})`);
    this.attach(panel, state?.ok ? state.message : undefined);
  }

  /** The tab's title, now and for a panel created later. */
  protected setTitle(title: string): void {
    this.title = title;
    if (this.panel) this.panel.title = title;
  }

  get visible(): boolean {
    return this.panel?.visible ?? false;
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Reveals the panel, creating it when there is none. */
  show(column: vscode.ViewColumn = vscode.ViewColumn.Active): void {
    if (this.panel) {
      this.panel.reveal(column);
      return;
    }
    const panel = vscode.window.createWebviewPanel(this.spec.viewType, this.title, column, {});
    this.attach(panel, undefined);
  }

  /** Posts to the page if it is open; the page checks the message against the schema too. */
  protected post(message: Out): void {
    void this.panel?.webview.postMessage(message);
  }

  /** A message from the page, already checked against the schema. */
  protected abstract onMessage(message: In): unknown;

  /** The panel was created or revived (with the state the page saved before the reload). */
  protected onAttached(_state: State | undefined): void {}

  protected onClosed(): void {}

  dispose(): void {
    this.serializer?.dispose();
    this.panel?.dispose();
  }

  private attach(panel: vscode.WebviewPanel, state: State | undefined): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: webviewRoots(this.extensionUri) };
    panel.webview.html = renderView(panel.webview, this.extensionUri, this.spec.view, this.spec.title);
    this.panelSubscriptions.push(
      panel.webview.onDidReceiveMessage(validatedListener(this.spec.view, this.spec.incoming, this.log, (m) => this.onMessage(m))),
      panel.onDidDispose(() => {
        this.panel = undefined;
        for (const s of this.panelSubscriptions.splice(0)) s.dispose();
        this.onClosed();
      }),
    );
    this.onAttached(state);
  }
}
