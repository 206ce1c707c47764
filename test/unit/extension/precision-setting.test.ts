/** The `sentenceLens.precision` setting: read, checked, declared in package.json, sent to the server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PRECISION_DESCRIPTIONS, PRECISION_SETTINGS } from '../../../src/engine/choices.js';
import { parsePrecision } from '../../../src/engine/model/precision.js';
import { loadKey } from '../../../src/protocol.js';
import { DEFAULTS, MODEL_KEYS, loadParams, modelChoice, readSettings } from '../../../src/extension/settings.js';

const src = (o: Record<string, unknown>) => ({ get: <T>(k: string) => o[k] as T | undefined });
const ctx = { extensionPath: '/ext', workspaceFolder: '/ws', home: '/home/u' };

test('precision: fp32 by default; each choice read; a bad value warns and falls back', () => {
  assert.equal(DEFAULTS.precision, 'fp32');
  for (const p of PRECISION_SETTINGS) assert.equal(readSettings(src({ precision: p })).precision, p);
  const warnings: string[] = [];
  assert.equal(readSettings(src({ precision: 'bf16' }), (w) => warnings.push(w)).precision, 'fp32');
  assert.match(warnings[0]!, /sentenceLens\.precision = "bf16" is not one of fp32, fp16, int8, auto; using "fp32"/);
});

test('precision: a change reloads the model, and the server is asked for it (fp32 is the default it assumes)', () => {
  assert.ok((MODEL_KEYS as readonly string[]).includes('precision'));
  const choice = modelChoice(DEFAULTS, ctx);
  assert.equal(loadParams(DEFAULTS, choice).precision, undefined);
  const int8 = loadParams({ ...DEFAULTS, precision: 'int8' }, choice);
  assert.equal(int8.precision, 'int8');
  assert.notEqual(loadKey(int8), loadKey(loadParams(DEFAULTS, choice)), 'another precision is another model to load');
});

test('package.json offers the same precisions with descriptions that state the accuracy cost', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  const p = pkg.contributes.configuration.properties['sentenceLens.precision'];
  assert.deepEqual(p.enum, [...PRECISION_SETTINGS]);
  assert.deepEqual(p.enumDescriptions, PRECISION_SETTINGS.map((k) => PRECISION_DESCRIPTIONS[k]));
  assert.equal(p.default, DEFAULTS.precision);
  assert.match(PRECISION_DESCRIPTIONS.int8, /cosine 0\.99.*label/);
  assert.match(PRECISION_DESCRIPTIONS.fp16, /cosine 0\.999.*label/);
  assert.equal(parsePrecision('int8'), 'int8');
});
