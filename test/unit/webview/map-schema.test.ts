/** The map's messages: what the page and the host accept from each other (src/webview/schema.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SentenceMapData } from '../../../src/engine/map/map-data.js';
import { decodeMessage, HostToMap, MapData, MapState, MapToHost } from '../../../src/webview/schema.js';

const data: SentenceMapData = {
  texts: ['A.', 'B.'],
  xy: [0, 1, 2, 3],
  method: 'pca',
  params: { components: 2 },
  tasks: [{ name: 'topic', labels: ['x', 'y'] }],
  values: { topic: { predicted: [0, 1], probs: [0.9, 0.1, 0.2, 0.8], gold: [0, -1] } },
  lines: [2, 3],
  notes: [],
  timings: { embedMs: 1, projectMs: 2 },
};

test('a map built by the engine passes the schema unchanged', () => {
  const decoded = decodeMessage(HostToMap, { type: 'map', source: { kind: 'csv', path: '/ws/a.csv' }, title: 'a.csv', data });
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.ok && decoded.message.type === 'map' && decoded.message.data, data);
  // Compile-time: the engine's type is assignable to the schema's.
  const asSchema: MapData = data as MapData;
  assert.ok(asSchema);
});

test('malformed maps and messages are refused with the reason', () => {
  const nan = decodeMessage(HostToMap, { type: 'map', source: { kind: 'csv', path: '/a.csv' }, title: 't', data: { ...data, xy: [0, NaN, 1, 2] } });
  assert.equal(nan.ok, false);
  assert.match(!nan.ok ? nan.why : '', /message "map": data\.xy\.1/);
  const method = decodeMessage(HostToMap, { type: 'map', source: { kind: 'csv', path: '/a.csv' }, title: 't', data: { ...data, method: 'tsne' } });
  assert.equal(method.ok, false);
  assert.equal(decodeMessage(MapToHost, { type: 'reveal', point: -1 }).ok, false);
  assert.equal(decodeMessage(MapToHost, { type: 'reveal', point: 1.5 }).ok, false);
  assert.equal(decodeMessage(MapToHost, { type: 'openFile', path: '/etc/passwd' }).ok, false);
  assert.equal(decodeMessage(MapToHost, { type: 'refresh', seed: 7 }).ok, true);
  assert.equal(decodeMessage(HostToMap, { type: 'current', point: null }).ok, true);
});

test('saved state: a source and view choices; anything else is dropped', () => {
  const ok = decodeMessage(MapState, { source: { kind: 'document', uri: 'file:///ws/a.md', follow: true }, seed: 42, task: 'topic', search: 'soup' });
  assert.ok(ok.ok);
  assert.equal(decodeMessage(MapState, { source: { kind: 'folder', path: '/' } }).ok, false);
});

test('"Label selected as…": the page names points and a task; the host answers labelled, then recoloured', () => {
  assert.equal(decodeMessage(MapToHost, { type: 'labelSelected', task: 'topic', points: [0, 3] }).ok, true);
  assert.equal(decodeMessage(MapToHost, { type: 'labelSelected', task: 'topic', points: [] }).ok, false, 'an empty selection');
  assert.equal(decodeMessage(MapToHost, { type: 'labelSelected', task: 'topic', points: [-1] }).ok, false);
  assert.equal(decodeMessage(MapToHost, { type: 'labelSelected', task: '', points: [1] }).ok, false, 'no task');
  assert.equal(decodeMessage(MapToHost, { type: 'labelSelected', task: 'topic', points: [0], label: 'x' }).ok, true, 'the label is chosen in the host, extra keys dropped');
  assert.equal(decodeMessage(HostToMap, { type: 'labelled', task: 'topic', label: 'travel', count: 2 }).ok, true);
  assert.equal(decodeMessage(HostToMap, { type: 'labelled', task: 'topic', label: 'travel', count: 0 }).ok, false);
  assert.equal(decodeMessage(HostToMap, { type: 'recoloured', data }).ok, true);
  assert.equal(decodeMessage(HostToMap, { type: 'recoloured', data: { ...data, xy: [0, NaN, 1, 2] } }).ok, false);
});
