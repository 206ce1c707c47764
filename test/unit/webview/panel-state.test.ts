/** The state that drives the training panel: the run view folded from a log, the form, the model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addTask, defaultForm, removeTask, setTask, toggleFrozenHead, withCsv, withGuess } from '../../../src/webview/panel/form.js';
import { applyHostMessage, EMPTY } from '../../../src/webview/panel/model.js';
import { applyEntries, emptyRunView, pointCount, TOTAL } from '../../../src/webview/panel/run-view.js';
import { cannotStart, isRunning } from '../../../src/webview/panel/views/run.js';
import type { CsvInspection, HostToPanel, RunLogEntry } from '../../../src/webview/schema.js';

const report = (acc: number) => ({
  loss: 0.5, examples: 4,
  tasks: { mood: { count: 4, loss: 0.5, accuracy: acc, macroF1: acc, perClass: [], confusion: [[2, 0], [1, 1]], labels: ['angry', 'calm'] } },
});
const log: RunLogEntry[] = [
  { seq: 0, t: 1, event: { type: 'started', resumed: false, pid: 7 } },
  { seq: 1, t: 2, event: { type: 'progress', phase: 'tokenizing', epoch: 0, epochs: 0, step: 0, totalSteps: 0, elapsedSeconds: 0 } },
  { seq: 2, t: 3, event: { type: 'progress', phase: 'training', epoch: 0, epochs: 2, step: 3, totalSteps: 10, loss: 0.9, losses: { mood: 0.9 }, lr: 0.01, examplesPerSecond: 50, etaSeconds: 4, elapsedSeconds: 1 } },
  { seq: 3, t: 3, event: { type: 'trainLoss', step: 3, loss: 0.9, losses: { mood: 0.9 }, lr: 0.01 } },
  { seq: 4, t: 4, event: { type: 'evaluation', step: 5, epoch: 0, report: report(0.75), improved: true } },
  { seq: 5, t: 5, event: { type: 'checkpoint', kind: 'best', dir: '/r/best', step: 5 } },
  { seq: 6, t: 6, event: { type: 'progress', phase: 'training', epoch: 1, epochs: 2, step: 8, totalSteps: 10, loss: 0.4, losses: { mood: 0.4 }, lr: 0.005, elapsedSeconds: 2 } },
  { seq: 7, t: 6, event: { type: 'trainLoss', step: 8, loss: 0.4, losses: { mood: 0.4 }, lr: 0.005 } },
  { seq: 8, t: 7, event: { type: 'message', level: 'info', message: 'cancelled after step 8 of 10' } },
  { seq: 9, t: 8, event: { type: 'ended', status: 'cancelled', step: 8, totalSteps: 10, message: 'cancelled after step 8 of 10', elapsedSeconds: 2 } },
];

test('a run log folds into progress, chart series, the last evaluation and how it ended', () => {
  const v = applyEntries(emptyRunView('r'), log);
  assert.equal(v.running, false);
  assert.deepEqual(v.ended, { status: 'cancelled', message: 'cancelled after step 8 of 10', step: 8, totalSteps: 10 });
  assert.deepEqual(v.trainLoss[TOTAL], [[3, 0.9], [8, 0.4]]);
  assert.deepEqual(v.trainLoss.mood, [[3, 0.9], [8, 0.4]]);
  assert.deepEqual(v.valAccuracy.mood, [[5, 0.75]]);
  assert.deepEqual(v.valLoss.mood, [[5, 0.5]]);
  assert.deepEqual(v.lr, [[3, 0.01], [8, 0.005]]);
  assert.equal(v.lastEval?.tasks.mood?.confusion[1]?.[0], 1);
  assert.deepEqual(v.checkpoints, [{ kind: 'best', step: 5 }]);
  assert.equal(pointCount(v.trainLoss), 4);
});

test('the same log gives the same view whether it arrives whole (a reload) or in pieces, and repeats are ignored', () => {
  const whole = applyEntries(emptyRunView('r'), log);
  let pieces = emptyRunView('r');
  for (let i = 0; i < log.length; i += 3) pieces = applyEntries(pieces, log.slice(Math.max(0, i - 1), i + 3));
  assert.deepEqual(pieces, whole);
});

test('a resumed run is running again and a failure carries its place in the file', () => {
  const resumed = applyEntries(applyEntries(emptyRunView('r'), log), [{ seq: 10, t: 9, event: { type: 'started', resumed: true, pid: 8 } }]);
  assert.equal(resumed.running, true);
  assert.equal(resumed.ended, undefined);
  const failed = applyEntries(emptyRunView('f'), [{ seq: 0, t: 1, event: { type: 'failed', message: '/w/a.csv:3:2: bad', location: { file: '/w/a.csv', line: 3, column: 2 } } }]);
  assert.deepEqual(failed.failure, { message: '/w/a.csv:3:2: bad', location: { file: '/w/a.csv', line: 3, column: 2 } });
});

const inspection = (csv: string): CsvInspection => ({
  csv, header: ['text', 'mood', 'notes'], preview: [['a', 'calm', 'x']], rows: 10,
  guess: { text: 'text', tasks: [{ name: 'mood', column: 'mood' }], excluded: [{ column: 'notes', reason: 'free text' }] },
  labelCounts: { mood: { calm: 5, angry: 5 } }, warnings: [],
});

test('the form starts from the engine defaults, takes the guess for its CSV only, and edits keep weights and frozen heads in step', () => {
  const form = defaultForm({ epochs: 3, lr: 5e-5, freeze: 'none', valSplit: 0.1 }, { kind: 'offline' }, '/w/mood.csv');
  assert.equal(form.epochs, 3);
  assert.deepEqual(form.freeze, { kind: 'none', bottomLayers: 1 });
  assert.deepEqual(withGuess(form, inspection('/w/other.csv')), form, 'an answer about another CSV changes nothing');
  const guessed = withGuess(form, inspection('/w/mood.csv'));
  assert.deepEqual(guessed.tasks, [{ name: 'mood', column: 'mood' }]);
  assert.equal(guessed.textColumn, 'text');
  assert.deepEqual(guessed.lossWeights, { mood: 1 });
  const two = addTask(guessed, ['text', 'mood', 'notes']);
  assert.deepEqual(two.tasks.at(-1), { name: 'notes', column: 'notes' });
  const renamed = setTask(toggleFrozenHead({ ...two, lossWeights: { mood: 0.5, notes: 1 } }, 'mood', true), 0, { name: 'feeling' });
  assert.deepEqual(renamed.lossWeights, { notes: 1, feeling: 0.5 });
  assert.deepEqual(renamed.frozenHeads, ['feeling']);
  const removed = removeTask(renamed, 0);
  assert.deepEqual(removed.tasks, [{ name: 'notes', column: 'notes' }]);
  assert.deepEqual(removed.frozenHeads, []);
  assert.deepEqual(withCsv(removed, '/w/other.csv').tasks, []);
});

const init: HostToPanel = {
  type: 'init', csvFiles: [{ path: '/w/mood.csv', label: 'mood.csv' }], cachedModels: [], restricted: false, offlineAvailable: true,
  settingsModel: '/m', settingsDevice: 'cpu', runs: [], runsFolder: '/w/.sentence-lens/runs', defaults: { epochs: 3 },
};

test('the panel model: init fills the form, Restricted Mode pins the model to the settings, a saved form survives a reload', () => {
  const m = applyHostMessage(EMPTY, init);
  assert.equal(m.form?.csv, '/w/mood.csv');
  assert.deepEqual(m.form?.model, { kind: 'settings' }, 'the model the settings name, the offline one by default');
  assert.equal(m.form?.device, 'cpu', 'the device setting');
  const restricted = applyHostMessage(EMPTY, { ...init, restricted: true }, { model: { kind: 'hub', id: 'org/evil' }, epochs: 7 });
  assert.deepEqual(restricted.form?.model, { kind: 'settings' });
  assert.equal(restricted.form?.epochs, 7);
});

test('Start waits for a readable CSV, a task, valid options and no run in progress', () => {
  let m = applyHostMessage(EMPTY, init);
  assert.equal(cannotStart(m), 'reading the CSV');
  m = applyHostMessage(m, { type: 'inspection', inspection: inspection('/w/mood.csv') });
  assert.equal(cannotStart(m), undefined);
  assert.equal(cannotStart(applyHostMessage(m, { type: 'optionErrors', errors: { lr: 'learning rate must be …' } })), 'fix the options marked in red');
  assert.equal(cannotStart({ ...m, raw: { epochs: 'x' } }), 'fix the options marked in red');
  const bad = applyHostMessage(m, { type: 'inspection', inspection: { ...inspection('/w/mood.csv'), error: { message: 'bad' } } });
  assert.equal(cannotStart(bad), 'the CSV has a problem (above)');
  const running = applyHostMessage(m, { type: 'runEvents', runId: 'r', reset: true, entries: log.slice(0, 3) });
  assert.equal(cannotStart(running), 'a run is in progress');
  // Its trainer died without logging an end: the runs list knows, and Start is possible again.
  const summary = { id: 'r', dir: '/w/r', created: '', status: 'interrupted' as const, options: {}, step: 3, totalSteps: 10, best: {}, bestLoss: null, checkpoints: ['last' as const], active: false };
  assert.equal(isRunning(applyHostMessage(running, { type: 'runs', runs: [summary] })), false);
  assert.equal(cannotStart(applyHostMessage(running, { type: 'runs', runs: [summary] })), undefined);
  assert.equal(isRunning(applyHostMessage(running, { type: 'runs', runs: [{ ...summary, status: 'running' }] })), true);
  assert.equal(cannotStart({ ...m, init: { ...m.init!, runsFolder: '' } }), 'open a folder: runs are saved in the workspace');
});
