/**
 * Domain adaptation as the training panel starts it: the form (adaptation on, a workspace text
 * file) becomes TrainOptions through panel-options.ts, RunManager starts the trainer process
 * (dist/trainer.js), and the run adapts first — an adapted masked-LM checkpoint in its folder,
 * the adaptation phase in its event log up to its last step, its label in run.json — then
 * fine-tunes to the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { confineAdaptPaths, runLabels, toTrainOptions } from '../../src/extension/training/panel-options.js';
import { RunManager } from '../../src/extension/training/run-manager.js';
import { readEvents, readRunMeta } from '../../src/runs/run-folder.js';
import { defaultForm } from '../../src/webview/panel/form.js';
import { makeTestModel, tempDir } from '../support/model-folder.js';

const TRAINER = resolve('dist/trainer.js');
const root = new URL('../../', import.meta.url).pathname;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a panel run with "adapt to this workspace\'s text first" adapts (masked-LM) in its trainer process, logs the phase, then fine-tunes', async () => {
  const workspace = await tempDir('sl-panel-adapt-');
  const model = join(workspace, 'model');
  await makeTestModel(model);
  const lines = (await readFile(join(root, 'models/sentences.csv'), 'utf8')).split('\n');
  await writeFile(join(workspace, 'data.csv'), lines.slice(0, 61).join('\n') + '\n');
  // Unlabelled workspace text: the sentences alone, one a line.
  await writeFile(join(workspace, 'notes.txt'), lines.slice(61, 141).map((l) => l.split(',')[0]).join('\n') + '\n');

  const form = {
    ...defaultForm({}, { kind: 'folder', path: model }, join(workspace, 'data.csv')),
    textColumn: lines[0]!.split(',')[0]!,
    tasks: [{ name: 'topic', column: 'topic' }],
    device: 'cpu' as const,
    freeze: { kind: 'none' as const, bottomLayers: 0 },
    maxSteps: 4,
    batchSize: 8,
    maxLength: 32,
    adaptFirst: true,
    adaptPaths: ['notes.txt'],
    adaptEpochs: 2,
  };
  const adapt = confineAdaptPaths(form, [workspace]);
  assert.deepEqual(adapt, { paths: [join(workspace, 'notes.txt')] });
  const options = toTrainOptions(form, { csv: join(workspace, 'data.csv'), model, adapt: adapt.paths });
  const manager = new RunManager({ trainerPath: TRAINER, log: () => {}, pollMs: 100 });
  const { dir: runDir } = await manager.start(join(workspace, 'runs'), options, runLabels(options, { csv: 'data.csv', model: 'model', adapt: ['file'] }));
  const meta = await until('the run to end', async () => {
    const m = await readRunMeta(runDir);
    return m && m.status !== 'running' ? m : undefined;
  });
  manager.dispose();
  assert.equal(meta.status, 'completed', meta.message);
  assert.equal(meta.labels.adapt, 'adapt: 1 file · 2 epochs');

  const adapted = existsSync(join(runDir, 'adapt', 'best')) ? join(runDir, 'adapt', 'best') : join(runDir, 'adapt', 'last');
  const config = JSON.parse(await readFile(join(adapted, 'config.json'), 'utf8')) as { architectures?: string[] };
  assert.deepEqual(config.architectures, ['BertForMaskedLM'], 'the adapted checkpoint is a masked-LM folder');
  assert.ok(existsSync(join(adapted, 'model.safetensors')));

  const events = (await readEvents(runDir)).entries.map((e) => e.event);
  const adapting = events.flatMap((e) => (e.type === 'progress' && e.phase === 'adapting' ? [e] : []));
  assert.ok(adapting.length > 0, 'the log holds the adaptation phase');
  const last = adapting.at(-1)!;
  assert.ok(last.total! > 0 && last.done === last.total, `the adaptation's last step is logged: ${last.done}/${last.total}`);
  const firstTraining = events.findIndex((e) => e.type === 'progress' && e.phase === 'training');
  assert.ok(firstTraining > events.lastIndexOf(last), 'adaptation comes before fine-tuning');
  assert.ok(events.some((e) => e.type === 'message' && /adapted backbone: .*adapt/.test(e.message)), 'the adapted backbone is named');
  assert.ok(existsSync(join(runDir, 'last', 'tasks.json')), 'fine-tuning saved its checkpoint');
});
