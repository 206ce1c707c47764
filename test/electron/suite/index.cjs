// Runs inside the VS Code extension host started by test/electron/run.ts (plain CommonJS: VS Code
// requires this file directly). Checks that the packaged extension activates and registers commands.
'use strict';
const assert = require('node:assert/strict');
const vscode = require('vscode');

async function run() {
  const pkg = require('../../../package.json');
  const id = `${pkg.publisher}.${pkg.name}`;
  const ext = vscode.extensions.getExtension(id);
  assert.ok(ext, `extension ${id} is not loaded`);
  await ext.activate();
  assert.ok(ext.isActive, `extension ${id} did not activate`);
  const contributed = (pkg.contributes?.commands ?? []).map((c) => c.command);
  const registered = new Set(await vscode.commands.getCommands(true));
  const missing = contributed.filter((c) => !registered.has(c));
  assert.deepEqual(missing, [], `contributed commands not registered: ${missing.join(', ')}`);
  console.log(`ok: ${id} activated; ${contributed.length} contributed commands registered`);
}

module.exports = { run };
