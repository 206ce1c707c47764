/**
 * Loading a model for inference never reaches into training: everything src/engine/inference.ts
 * imports, transitively, stays out of src/engine/train (default heads are given one step up,
 * in prepare-model.ts). Checked on esbuild's own module graph of a bundle of that entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function modulesReachedFrom(entry: string): Promise<string[]> {
  const result = await esbuild.build({
    entryPoints: [entry], absWorkingDir: root, bundle: true, write: false, metafile: true,
    platform: 'node', format: 'esm', packages: 'external', logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

test('src/engine/inference.ts does not import anything under src/engine/train', async () => {
  const reached = await modulesReachedFrom('src/engine/inference.ts');
  assert.ok(reached.includes('src/engine/model/encoder.ts'), 'the graph is the real one: inference builds the encoder');
  assert.deepEqual(reached.filter((m) => m.startsWith('src/engine/train/') || m === 'src/engine/default-heads.ts'), []);
});

test('the server and the CLI give head-less models default heads through prepare-model.ts, which does use the trainer', async () => {
  const prepared = await modulesReachedFrom('src/engine/prepare-model.ts');
  assert.ok(prepared.includes('src/engine/train/trainer.ts'));
  for (const entry of ['src/server/model-service.ts', 'src/cli/commands/classify.ts']) {
    assert.ok((await modulesReachedFrom(entry)).includes('src/engine/prepare-model.ts'), entry);
  }
});
