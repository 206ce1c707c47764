/** Training helpers of the extension that need no VS Code: paths, the form as TrainOptions, run folders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkpointSetting, confine, displayPath, runsFolderPath } from '../../../src/extension/training/paths.js';
import { runLabels, toTrainOptions } from '../../../src/extension/training/panel-options.js';
import { effectiveStatus, newRunId, parseEventLines, type RunMeta } from '../../../src/runs/run-folder.js';
import { formatDuration, progressLine } from '../../../src/runs/format.js';
import { defaultForm } from '../../../src/webview/panel/form.js';

const ws = ['/home/u/project', '/home/u/data'];

test('paths from the page are confined to the workspace folders, or ones the host handed out', () => {
  assert.equal(confine('/home/u/project/a.csv', ws), '/home/u/project/a.csv');
  assert.equal(confine('sub/a.csv', ws), '/home/u/project/sub/a.csv');
  assert.equal(confine('/home/u/data/b.csv', ws), '/home/u/data/b.csv');
  assert.equal(confine('/home/u/project/../secret.csv', ws), undefined);
  assert.equal(confine('../secret.csv', ws), undefined);
  assert.equal(confine('/etc/passwd', ws), undefined);
  assert.equal(confine('/home/u/projectile/x.csv', ws), undefined, 'a sibling with the same prefix is outside');
  assert.equal(confine('/opt/models/bert', ws, new Set(['/opt/models/bert'])), '/opt/models/bert');
  assert.equal(confine('a.csv', []), undefined);
  assert.equal(displayPath('/home/u/project/sub/a.csv', ws), 'sub/a.csv');
});

test('the runs folder and the activeCheckpoint value', () => {
  assert.equal(runsFolderPath('.sentence-lens/runs', '/w'), join('/w', '.sentence-lens/runs'));
  assert.equal(runsFolderPath('${workspaceFolder}/out/runs', '/w'), '/w/out/runs');
  assert.equal(runsFolderPath('/abs/runs', '/w'), '/abs/runs');
  assert.equal(runsFolderPath('  ', '/w'), join('/w', '.sentence-lens/runs'));
  assert.equal(checkpointSetting('/w/.sentence-lens/runs/r1/best', '/w'), '${workspaceFolder}/.sentence-lens/runs/r1/best');
  assert.equal(checkpointSetting('/elsewhere/r1/best', '/w'), '/elsewhere/r1/best');
});

test('the form becomes the engine options it describes', () => {
  const form = {
    ...defaultForm({}, { kind: 'offline' }, '/w/mood.csv'),
    textColumn: 'text',
    tasks: [{ name: 'mood', column: 'mood' }, { name: 'topic', column: 'topic' }],
    freeze: { kind: 'bottom' as const, bottomLayers: 2 },
    frozenHeads: ['topic', 'gone'],
    lossWeights: { mood: 1, topic: 0, gone: 3 },
    maxSteps: 50,
  };
  const o = toTrainOptions(form, { csv: '/w/mood.csv', model: '/m' });
  assert.deepEqual(o.tasks, { mood: 'mood', topic: 'topic' });
  assert.equal(o.freeze, 'bottom:2');
  assert.deepEqual(o.freezeHeads, ['topic']);
  assert.deepEqual(o.lossWeights, { mood: 1, topic: 0 });
  assert.equal(o.maxSteps, 50);
  assert.equal(o.epochs, undefined, 'max steps decides the length');
  assert.equal(o.valSplit, 0.1);
  const withFile = toTrainOptions({ ...form, validation: { kind: 'file', path: '/w/val.csv' } }, { csv: '/w/mood.csv', val: '/w/val.csv', model: '/m' });
  assert.equal(withFile.val, '/w/val.csv');
  assert.equal(withFile.valSplit, undefined);
  assert.deepEqual(runLabels(o, { csv: 'mood.csv', model: 'm' }).freeze, 'bottom:2 (+ heads topic)');
  assert.equal(runLabels(o, { csv: 'mood.csv', model: 'm' }).weights, 'topic×0');
});

test('an event log torn by a crash loses only its unfinished last line', () => {
  const text = '{"seq":0,"t":1,"event":{"type":"started","resumed":false,"pid":1}}\nnot json\n{"seq":1,"t":2,"event":{"type":"message","level":"info","message":"m"}}\n{"seq":2,"t":3,"ev';
  assert.deepEqual(parseEventLines(text).map((e) => e.seq), [0, 1]);
});

test('a run whose trainer died without ending it reads as interrupted', () => {
  const meta = { status: 'running', pid: 123 } as RunMeta;
  assert.equal(effectiveStatus(meta, () => true), 'running');
  assert.equal(effectiveStatus(meta, () => false), 'interrupted');
  assert.equal(effectiveStatus({ ...meta, status: 'completed' }, () => false), 'completed');
  assert.match(newRunId(new Date('2025-01-31T14:05:09.123Z'), () => 0.5), /^2025-01-31T14-05-09-8000$/);
});

test('progress reads the same in the panel and the notification', () => {
  assert.equal(progressLine({ phase: 'training', epoch: 1, epochs: 3, step: 40, totalSteps: 60, examplesPerSecond: 118.4, etaSeconds: 12 }), 'epoch 2/3 · step 40/60 · 118 examples/s · ETA 0:12');
  assert.equal(progressLine({ phase: 'embedding', epoch: 0, epochs: 3, step: 0, totalSteps: 0, done: 32, total: 80 }), 'embedding 32/80');
  assert.equal(formatDuration(3725), '1:02:05');
});
