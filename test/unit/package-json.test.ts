/**
 * package.json's settings, checked against the one definition of each choice and default in
 * the source (engine/choices.ts, extension/settings.ts), so the Settings UI, the engine, the CLI
 * and the editor cannot drift apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_LENGTH, DEVICE_DESCRIPTIONS, DEVICE_SETTINGS } from '../../src/engine/choices.js';
import { resolveTrainOptions } from '../../src/engine/train/trainer-options.js';
import { modelHelp } from '../../src/cli/shared-options.js';
import { RESTRICTED_KEYS } from '../../src/extension/restricted-mode.js';
import { DEFAULTS as EDITOR_DEFAULTS, INT_RANGES, POOLING_SETTING_DESCRIPTIONS, POOLING_SETTINGS, SECTION } from '../../src/extension/settings.js';
import { LABELS_DEFAULTS, LABELS_WEIGHT_RANGE } from '../../src/extension/labels/labels-settings.js';

// The editor's settings and the labels settings (teach in place) are each defined in one module.
const DEFAULTS: Record<string, unknown> = { ...EDITOR_DEFAULTS, ...LABELS_DEFAULTS };

interface Property {
  default?: unknown;
  enum?: unknown[];
  enumDescriptions?: string[];
  minimum?: number;
  maximum?: number;
}

const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Property> } };
};
const properties = pkg.contributes.configuration.properties;
const prop = (key: string): Property => {
  const p = properties[`${SECTION}.${key}`];
  assert.ok(p, `package.json declares no setting ${SECTION}.${key}`);
  return p;
};

test('package.json declares exactly the settings the extension reads, each with the same default', () => {
  assert.deepEqual(Object.keys(properties).sort(), Object.keys(DEFAULTS).map((k) => `${SECTION}.${k}`).sort());
  for (const [key, value] of Object.entries(DEFAULTS)) assert.deepEqual(prop(key).default, value, `default of ${SECTION}.${key}`);
});

test('device and pooling: package.json enums and their descriptions are the source lists', () => {
  assert.deepEqual(prop('device').enum, [...DEVICE_SETTINGS]);
  assert.deepEqual(prop('device').enumDescriptions, DEVICE_SETTINGS.map((d) => DEVICE_DESCRIPTIONS[d]));
  assert.deepEqual(prop('pooling').enum, [...POOLING_SETTINGS]);
  assert.deepEqual(prop('pooling').enumDescriptions, POOLING_SETTINGS.map((p) => POOLING_SETTING_DESCRIPTIONS[p]));
});

test('whole-number settings: package.json bounds are the ones the extension enforces', () => {
  for (const [key, { min, max }] of Object.entries({ ...INT_RANGES, labelsWeight: LABELS_WEIGHT_RANGE })) {
    assert.equal(prop(key).minimum, min, `${key} minimum`);
    assert.equal(prop(key).maximum, max, `${key} maximum`);
  }
});

test('one max length: the editor, training and the CLI help all default to the same number of tokens', () => {
  assert.equal(DEFAULTS.maxLength, DEFAULT_MAX_LENGTH);
  assert.equal(resolveTrainOptions({ csv: 'a.csv', model: 'm', out: 'o' }).maxLength, DEFAULT_MAX_LENGTH);
  assert.match(modelHelp, new RegExp(`--max-length N .*\\(default ${DEFAULT_MAX_LENGTH}\\)`));
});

test('Restricted Mode: the settings the extension says it ignores are the ones package.json restricts', () => {
  const pkgFull = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as {
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  };
  assert.deepEqual([...pkgFull.capabilities.untrustedWorkspaces.restrictedConfigurations].sort(), RESTRICTED_KEYS.map((k) => `${SECTION}.${k}`).sort());
});
