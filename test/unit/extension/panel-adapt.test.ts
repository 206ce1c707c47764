/**
 * Domain adaptation from the training panel, below VS Code: the schema both sides check, the
 * form's edits, how the form becomes TrainOptions.adapt/adaptEpochs, the paths confined to the
 * workspace, the runs-table label, and the progress line while the run adapts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptLabel, confineAdaptPaths, FORM_FIELD, runLabels, toTrainOptions } from '../../../src/extension/training/panel-options.js';
import { phasePercent, progressLine } from '../../../src/runs/format.js';
import { defaultForm, removeAdaptPath, withAdaptPaths } from '../../../src/webview/panel/form.js';
import { applyHostMessage, EMPTY } from '../../../src/webview/panel/model.js';
import { applyEntries, emptyRunView } from '../../../src/webview/panel/run-view.js';
import { decodeMessage, HostToPanel, MAX_ADAPT_PATHS, PanelOptions, PanelToHost } from '../../../src/webview/schema.js';

const ws = ['/home/u/project', '/home/u/data'];
const base = () => ({ ...defaultForm({ adaptEpochs: 1 }, { kind: 'offline' }, '/home/u/project/mood.csv'), textColumn: 'text', tasks: [{ name: 'mood', column: 'mood' }] });

test('the schema carries the adaptation options and the picker messages, and refuses malformed ones', () => {
  const form = { ...base(), adaptFirst: true, adaptPaths: ['/home/u/project/notes.txt'], adaptEpochs: 2 };
  assert.equal(decodeMessage(PanelToHost, { type: 'start', options: form }).ok, true);
  assert.equal(decodeMessage(PanelToHost, { type: 'browseAdaptText', kind: 'folder' }).ok, true);
  const badKind = decodeMessage(PanelToHost, { type: 'browseAdaptText', kind: 'everything' });
  assert.equal(badKind.ok, false);
  assert.match((badKind as { why: string }).why, /kind/);
  const notPaths = decodeMessage(PanelToHost, { type: 'start', options: { ...form, adaptPaths: '/etc' } });
  assert.equal(notPaths.ok, false);
  assert.match((notPaths as { why: string }).why, /options\.adaptPaths/);
  assert.equal(PanelOptions.safeParse({ ...form, adaptPaths: [''] }).success, false, 'an empty path');
  assert.equal(PanelOptions.safeParse({ ...form, adaptPaths: Array.from({ length: MAX_ADAPT_PATHS + 1 }, (_, i) => `f${i}.txt`) }).success, false, 'too many paths');
  assert.equal(PanelOptions.safeParse({ ...form, adaptEpochs: Number.NaN }).success, false, 'epochs must be a finite number');
  assert.equal(decodeMessage(HostToPanel, { type: 'addAdaptPaths', paths: ['/home/u/project/notes'] }).ok, true);
  assert.equal(decodeMessage(HostToPanel, { type: 'addAdaptPaths', paths: [] }).ok, false, 'nothing to add');
});

test('picked text joins the list once and turns adaptation on; removing takes it out', () => {
  const init = applyHostMessage(EMPTY, {
    type: 'init', csvFiles: [], cachedModels: [], restricted: false, offlineAvailable: true, settingsModel: '/m', settingsDevice: 'cpu', runs: [], runsFolder: '/w/runs', defaults: { adaptEpochs: 1 },
  });
  assert.equal(init.form!.adaptFirst, false, 'adaptation is opt-in');
  assert.equal(init.form!.adaptEpochs, 1, "the engine's default epochs");
  let m = applyHostMessage(init, { type: 'addAdaptPaths', paths: ['/w/a.txt', '/w/docs'] });
  m = applyHostMessage(m, { type: 'addAdaptPaths', paths: ['/w/docs', '/w/b.md'] });
  assert.equal(m.form!.adaptFirst, true);
  assert.deepEqual(m.form!.adaptPaths, ['/w/a.txt', '/w/docs', '/w/b.md']);
  assert.deepEqual(removeAdaptPath(m.form!, '/w/docs').adaptPaths, ['/w/a.txt', '/w/b.md']);
  assert.equal(withAdaptPaths(m.form!, Array.from({ length: 100 }, (_, i) => `/w/${i}.txt`)).adaptPaths!.length, MAX_ADAPT_PATHS);
});

test('with adaptation on the form becomes TrainOptions.adapt and adaptEpochs; off, neither', () => {
  const on = { ...base(), adaptFirst: true, adaptPaths: ['notes.txt', '/home/u/data/docs'], adaptEpochs: 3 };
  const confined = confineAdaptPaths(on, ws);
  assert.deepEqual(confined, { paths: ['/home/u/project/notes.txt', '/home/u/data/docs'] });
  const o = toTrainOptions(on, { csv: '/home/u/project/mood.csv', model: '/m', adapt: confined.paths });
  assert.deepEqual(o.adapt, ['/home/u/project/notes.txt', '/home/u/data/docs']);
  assert.equal(o.adaptEpochs, 3);
  const off = toTrainOptions({ ...on, adaptFirst: false }, { csv: '/home/u/project/mood.csv', model: '/m', adapt: confined.paths });
  assert.equal(off.adapt, undefined, 'a list left behind does not adapt when the box is off');
  assert.equal(off.adaptEpochs, undefined);
  assert.deepEqual(confineAdaptPaths({ ...on, adaptFirst: false }, ws), {}, 'nothing to confine when off');
  // On with nothing chosen: the engine's own check refuses it, under the list.
  assert.deepEqual(toTrainOptions({ ...on, adaptPaths: [] }, { csv: '/c.csv', model: '/m' }).adapt, []);
  assert.equal(FORM_FIELD.adapt, 'adaptPaths');
});

test('adaptation paths outside the workspace folders are refused, as every path the page names', () => {
  for (const outside of ['/etc/passwd', '../secret.txt', '/home/u/project/../other/notes.txt', '/home/u/projectile/notes.txt']) {
    const form = { ...base(), adaptFirst: true, adaptPaths: ['/home/u/project/notes.txt', outside] };
    assert.deepEqual(confineAdaptPaths(form, ws), { refused: outside }, outside);
  }
  assert.deepEqual(confineAdaptPaths({ ...base(), adaptFirst: true, adaptPaths: ['notes.txt'] }, []), { refused: 'notes.txt' }, 'no workspace folder: nothing is inside');
});

test('the runs table says what a run adapted on', () => {
  assert.equal(adaptLabel(['file', 'file'], 1), 'adapt: 2 files · 1 epoch');
  assert.equal(adaptLabel(['folder', 'file'], 3), 'adapt: 1 file, 1 folder · 3 epochs');
  assert.equal(adaptLabel(['folder'], undefined), 'adapt: 1 folder');
  const o = toTrainOptions({ ...base(), adaptFirst: true, adaptEpochs: 2 }, { csv: '/c.csv', model: '/m', adapt: ['/w/a.txt', '/w/b.txt', '/w/c.txt'] });
  assert.equal(runLabels(o, { csv: 'c.csv', model: 'm' }).adapt, 'adapt: 3 files · 2 epochs');
  assert.equal(runLabels(toTrainOptions(base(), { csv: '/c.csv', model: '/m' }), { csv: 'c.csv', model: 'm' }).adapt, undefined);
});

test('while the run adapts, the progress line and the run view say so, and its loss is charted; after, the view keeps how far it adapted', () => {
  const adapting = (done: number) => ({ type: 'progress', phase: 'adapting', epoch: 0, epochs: 1, step: 0, totalSteps: 0, done, total: 12, loss: 9 - done / 2, elapsedSeconds: 1 });
  assert.equal(progressLine({ phase: 'adapting', epoch: 0, epochs: 1, step: 0, totalSteps: 0, done: 3, total: 12 }), 'adapting (masked-LM) step 3/12');
  let v = applyEntries(emptyRunView('r'), [{ seq: 0, t: 0, event: { type: 'started' } }, { seq: 1, t: 1, event: adapting(3) }]);
  assert.equal(progressLine(v.progress!), 'adapting (masked-LM) step 3/12');
  assert.equal(phasePercent(v.progress!), 25, "the bar shows the adaptation's own share while it adapts");
  assert.deepEqual(v.adapt, { step: 3, totalSteps: 12 });
  v = applyEntries(v, [
    { seq: 2, t: 2, event: adapting(12) },
    { seq: 3, t: 3, event: { type: 'progress', phase: 'training', epoch: 0, epochs: 1, step: 1, totalSteps: 5, elapsedSeconds: 2 } },
  ]);
  assert.equal(v.progress!.phase, 'training');
  assert.equal(phasePercent(v.progress!), 20, "then fine-tuning's");
  assert.deepEqual(v.adapt, { step: 12, totalSteps: 12 }, 'the adaptation stays on record');
  assert.deepEqual(v.adaptLoss, [[3, 7.5], [12, 3]], "the adaptation's masked-LM loss by step, for its chart");
  assert.equal(applyEntries(emptyRunView('r'), [{ seq: 0, t: 0, event: { type: 'progress', phase: 'training', epoch: 0, epochs: 1, step: 1, totalSteps: 5, elapsedSeconds: 0 } }]).adapt, undefined);
});
