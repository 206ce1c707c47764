import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ignoredWorkspaceSettings, restrictedModeMessage, restrictedSettingsIn } from '../../../src/extension/restricted-mode.js';
import { DEFAULTS, OFFLINE_MODEL, expandModelPath, loadParams, modelChoice, readSettings } from '../../../src/extension/settings.js';

const src = (o: Record<string, unknown>) => ({ get: <T>(k: string) => o[k] as T | undefined });
const ctx = { extensionPath: '/ext', workspaceFolder: '/ws', home: '/home/u' };

test('defaults when nothing is set', () => {
  assert.deepEqual(readSettings(src({})), DEFAULTS);
  assert.equal(DEFAULTS.model, OFFLINE_MODEL);
});

test('valid values are read', () => {
  const s = readSettings(src({ model: ' org/name ', device: 'cpu', pooling: 'cls', maxLength: 64, batchSize: 8, autoAnnotate: true, autoAnnotateLanguages: ['markdown'], minConfidence: 0.5, decorationFormat: '{topic}', activeCheckpoint: '' }));
  assert.equal(s.model, 'org/name');
  assert.equal(s.device, 'cpu');
  assert.equal(s.pooling, 'cls');
  assert.equal(s.maxLength, 64);
  assert.equal(s.autoAnnotate, true);
  assert.deepEqual(s.autoAnnotateLanguages, ['markdown']);
  assert.equal(s.minConfidence, 0.5);
  const more = readSettings(src({ annotateHeadings: true, annotateComments: true, unknownVocabularyThreshold: 0.8 }));
  assert.deepEqual([more.annotateHeadings, more.annotateComments, more.unknownVocabularyThreshold], [true, true, 0.8]);
});

test('bad values fall back to defaults, each with a warning', () => {
  const warnings: string[] = [];
  const s = readSettings(src({ model: '', device: 'tpu', pooling: 'max', maxLength: 1, batchSize: 2.5, autoAnnotate: 'yes', autoAnnotateLanguages: 'markdown', minConfidence: 2, decorationFormat: 7, annotateComments: 1, unknownVocabularyThreshold: -1 }), (w) => warnings.push(w));
  assert.deepEqual({ ...s, activeCheckpoint: '' }, DEFAULTS);
  assert.equal(warnings.length, 11);
  assert.match(warnings.find((w) => w.includes('.unknownVocabularyThreshold'))!, /-1 is not a number from 0 to 1; using 0\.5/);
  assert.match(warnings.find((w) => w.includes('.device'))!, /"tpu" is not one of auto, cpu, webgpu, cuda; using "auto"/);
});

test('model paths: variables, home, hub ids untouched', () => {
  assert.equal(expandModelPath(OFFLINE_MODEL, ctx), '/ext/models/offline');
  assert.equal(expandModelPath('${workspaceFolder}/ckpt', ctx), '/ws/ckpt');
  assert.equal(expandModelPath('~/m', ctx), '/home/u/m');
  assert.equal(expandModelPath('bert-base-cased', ctx), 'bert-base-cased');
  assert.throws(() => expandModelPath('${workspaceFolder}/x', { ...ctx, workspaceFolder: undefined }), /no folder is open/);
});

test('model choice: offline default, hub id, checkpoint overrides', () => {
  const off = modelChoice(DEFAULTS, ctx);
  assert.deepEqual(off, { model: '/ext/models/offline', label: 'offline model (small)', isOffline: true, isCheckpoint: false });
  assert.equal(modelChoice({ ...DEFAULTS, model: 'sentence-transformers/all-MiniLM-L6-v2' }, ctx).label, 'sentence-transformers/all-MiniLM-L6-v2');
  const ck = modelChoice({ ...DEFAULTS, activeCheckpoint: '/ws/runs/best/' }, ctx);
  assert.equal(ck.model, '/ws/runs/best/');
  assert.equal(ck.isCheckpoint, true);
  assert.equal(ck.label, 'checkpoint best');
  assert.deepEqual(loadParams(DEFAULTS, off), { model: '/ext/models/offline', device: 'auto', maxLength: 128, batchSize: 32 });
  assert.equal(loadParams({ ...DEFAULTS, pooling: 'cls' }, off).pooling, 'cls');
});

test('Restricted Mode: the restricted settings a workspace\'s settings files set are named, others are not', async () => {
  const files: Record<string, string> = {
    '/a/.vscode/settings.json': '{\n  // the team\'s model\n  "sentenceLens.model": "/evil",\n  "sentenceLens.batchSize": 4,\n}',
    '/b/.vscode/settings.json': '{ "editor.fontSize": 14 }',
    '/w.code-workspace': '{ "folders": [], "settings": { "sentenceLens.device": "cuda", "sentenceLens.model": "/evil2" } }',
  };
  const read = async (f: string) => files[f];
  assert.deepEqual(await ignoredWorkspaceSettings([{ file: '/b/.vscode/settings.json', kind: 'folder' }, { file: '/missing', kind: 'folder' }], read), []);
  assert.deepEqual(await ignoredWorkspaceSettings([{ file: '/a/.vscode/settings.json', kind: 'folder' }], read), ['sentenceLens.model']);
  assert.deepEqual(
    (await ignoredWorkspaceSettings([{ file: '/a/.vscode/settings.json', kind: 'folder' }, { file: '/w.code-workspace', kind: 'workspace' }], read)).sort(),
    ['sentenceLens.device', 'sentenceLens.model'],
  );
  // A workspace file's top level is not settings.
  assert.deepEqual(restrictedSettingsIn('{ "sentenceLens.model": "/x" }', 'workspace'), []);
  assert.match(restrictedModeMessage(['sentenceLens.model']), /Restricted Mode — this workspace's sentenceLens\.model setting is ignored/);
});
