/**
 * The HTML page every webview starts from: a strict Content-Security-Policy with a fresh nonce
 * per render, the view's bundled script and styles by their webview URIs, and the codicon font.
 * Free of `vscode` (the caller passes the URIs it made with asWebviewUri) so tests can read the
 * page it builds.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  /** webview.cspSource: the origin the webview serves extension files from. */
  readonly cspSource: string;
  readonly title: string;
  /** The view's script (dist/webview/<view>.js), as a webview URI. */
  readonly scriptUri: string;
  /** Stylesheets (media/*.css), as webview URIs, in order. */
  readonly styleUris: readonly string[];
  /** codicon.css as a webview URI; its id is the one @vscode-elements' vscode-icon looks for. */
  readonly codiconUri: string;
  /** Defaults to a fresh random nonce. */
  readonly nonce?: string;
}

/** 128 random bits, hex (a subset of the base64 characters CSP nonces allow). */
export function makeNonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The policy: nothing by default; scripts only with this render's nonce (no inline handlers, no
 * eval); styles, fonts and images only from the extension's own files (and data: images, which
 * the chart library's canvas export uses). No network: connect-src is not granted.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function webviewHtml(page: WebviewPage): string {
  const nonce = page.nonce ?? makeNonce();
  const styles = page.styleUris.map((u) => `<link rel="stylesheet" href="${attr(u)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(page.cspSource, nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link rel="stylesheet" href="${attr(page.codiconUri)}" id="vscode-codicon-stylesheet">
    ${styles}
    <title>${text(page.title)}</title>
  </head>
  <body>
    <main id="app" aria-busy="true"></main>
    <script type="module" nonce="${nonce}" src="${attr(page.scriptUri)}"></script>
  </body>
</html>`;
}

function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;');
}
