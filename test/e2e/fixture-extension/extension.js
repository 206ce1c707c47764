// Test-only fixture for the code-server e2e harness (plain CommonJS, no build step).
'use strict';
const vscode = require('vscode');

function activate(context) {
  const lineDeco = vscode.window.createTextEditorDecorationType({
    after: { contentText: 'hello 92%', margin: '0 0 0 1em', color: new vscode.ThemeColor('editorCodeLens.foreground') },
  });
  const selDeco = vscode.window.createTextEditorDecorationType({ after: { margin: '0 0 0 1em' } });
  let runs = 0;

  context.subscriptions.push(
    lineDeco,
    selDeco,
    vscode.commands.registerCommand('sentenceLensFixture.decorate', () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showErrorMessage('Fixture: no active editor');
        return;
      }
      runs += 1;
      editor.setDecorations(lineDeco, [new vscode.Range(0, 0, 0, editor.document.lineAt(0).text.length)]);
      const sel = editor.selection;
      const text = editor.document.getText(sel);
      editor.setDecorations(
        selDeco,
        sel.isEmpty
          ? []
          : [{
              range: new vscode.Range(sel.end.line, 0, sel.end.line, editor.document.lineAt(sel.end.line).text.length),
              renderOptions: { after: { contentText: `selected: ${text}` } },
            }],
      );
      void vscode.window.showInformationMessage(`Fixture: decorated (run ${runs}, ${sel.isEmpty ? 'no selection' : `${text.length} chars selected`})`);
    }),
    vscode.commands.registerCommand('sentenceLensFixture.webview', () => {
      const panel = vscode.window.createWebviewPanel('sentenceLensFixture', 'Fixture Webview', vscode.ViewColumn.Beside, {
        enableScripts: true,
        localResourceRoots: [],
      });
      const nonce = String(Math.random()).slice(2);
      panel.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}';">
</head><body><h1 id="title">fixture webview</h1><button id="ping">Ping</button>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.getElementById('ping').addEventListener('click', () => vscode.postMessage({ type: 'ping' }));
</script></body></html>`;
      panel.webview.onDidReceiveMessage((m) => {
        if (m && m.type === 'ping') void vscode.window.showInformationMessage('Fixture: webview ping', 'OK');
      });
    }),
    vscode.languages.registerHoverProvider({ language: 'plaintext' }, {
      provideHover(document, position) {
        const range = document.getWordRangeAtPosition(position);
        if (!range) return undefined;
        return new vscode.Hover(new vscode.MarkdownString(`**Fixture hover**: ${document.getText(range)}`), range);
      },
    }),
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
