import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../../src/extension/webview/html.js';

const page = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  title: 'Training <Panel>',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/panel.js',
  styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/media/webview.css'],
  codiconUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/codicons/codicon.css',
};

function cspOf(html: string): Map<string, string[]> {
  const content = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(content, 'the page has a CSP meta tag');
  return new Map(content.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
}

test('the page allows scripts only with its nonce, and styles and fonts only from the extension', () => {
  const html = webviewHtml({ ...page, nonce: 'abc123' });
  const csp = cspOf(html);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('script-src'), ["'nonce-abc123'"]);
  assert.deepEqual(csp.get('style-src'), [page.cspSource]);
  assert.deepEqual(csp.get('font-src'), [page.cspSource]);
  assert.ok(!html.includes("'unsafe-inline'") && !html.includes("'unsafe-eval'"));
  // Every script carries the nonce; no inline handlers anywhere.
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]!, /nonce="abc123"/);
  assert.match(scripts[0]!, /src="https:\/\/file\+\.vscode-resource[^"]+\/panel\.js"/);
  assert.doesNotMatch(html, /\son[a-z]+=/i);
  assert.match(html, /<link rel="stylesheet" href="[^"]+codicon\.css" id="vscode-codicon-stylesheet">/);
  assert.match(html, /<title>Training &lt;Panel&gt;<\/title>/);
});

test('each render gets a fresh nonce', () => {
  const a = cspOf(webviewHtml(page)).get('script-src')![0];
  const b = cspOf(webviewHtml(page)).get('script-src')![0];
  assert.notEqual(a, b);
  assert.match(makeNonce(), /^[0-9a-f]{32}$/);
});

test('the policy grants no network access', () => {
  const csp = contentSecurityPolicy(page.cspSource, 'n');
  assert.doesNotMatch(csp, /connect-src|https?:\/\/(?!file\+)/);
});
