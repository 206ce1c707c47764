/**
 * The bundled extension (dist/extension.cjs, built by npm test) loads: every module it needs is
 * inside it. A dependency whose entry point requires its own files at run time would load in
 * the unit tests (which import the sources) and only fail when VS Code activates the bundle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUNDLE = fileURLToPath(new URL('../../dist/extension.cjs', import.meta.url));

test('the extension bundle loads with only vscode (here a stub) from outside, and exports activate and deactivate', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sl-bundle-'));
  const stub = join(dir, 'vscode-stub.cjs');
  await writeFile(stub, 'module.exports = {};\n');
  const require = createRequire(import.meta.url);
  const Module = require('node:module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = Module._resolveFilename;
  // Node's resolver is the one hook that lets `require('vscode')` inside the bundle find the stub.
  Module._resolveFilename = (request, ...rest) => (request === 'vscode' ? stub : resolve.call(Module, request, ...rest));
  try {
    const extension = require(BUNDLE) as Record<string, unknown>;
    assert.equal(typeof extension['activate'], 'function');
    assert.equal(typeof extension['deactivate'], 'function');
  } finally {
    Module._resolveFilename = resolve;
    await rm(dir, { recursive: true, force: true });
  }
});
