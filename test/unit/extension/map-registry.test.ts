// One sentence map per source (src/extension/map/map-registry.ts): the palette's "current
// document" map is found again wherever it has followed to, a CSV map and a document map are two
// maps, a pinned document map is its document's, and closing one map leaves the others.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MapRegistry, mapTitle, unmatchedTitles, type SourcedMap } from '../../../src/extension/map/map-registry.js';
import type { MapSource } from '../../../src/webview/schema.js';

/** A map as the registry sees it: a source that changes as the panel follows or is pinned. */
class FakeMap implements SourcedMap {
  constructor(public source: MapSource | undefined) {}
}

const notes: MapSource = { kind: 'document', uri: 'file:///w/notes.md', follow: true };
const todo: MapSource = { kind: 'document', uri: 'file:///w/todo.txt', follow: true };
const csv: MapSource = { kind: 'csv', path: '/w/labelled.csv' };

function opener(registry: MapRegistry<FakeMap>) {
  let created = 0;
  const open = (source: MapSource) => {
    const r = registry.openFor(source, () => (created++, new FakeMap(source)));
    return r.map;
  };
  return { open, created: () => created };
}

test('the same source opens the same map', () => {
  const registry = new MapRegistry<FakeMap>();
  const { open, created } = opener(registry);
  const a = open(csv);
  assert.equal(open({ kind: 'csv', path: '/w/labelled.csv' }), a);
  assert.equal(created(), 1);
  assert.equal(registry.all().length, 1);
});

test('a CSV and a document get two maps', () => {
  const registry = new MapRegistry<FakeMap>();
  const { open, created } = opener(registry);
  const doc = open(notes);
  const table = open(csv);
  assert.notEqual(doc, table);
  assert.equal(created(), 2);
  assert.deepEqual(registry.all(), [doc, table]);
  assert.equal(registry.find(csv), table);
  assert.equal(registry.find(notes), doc);
});

test('the map that follows the active editor stays one map as it moves to another document', () => {
  const registry = new MapRegistry<FakeMap>();
  const { open, created } = opener(registry);
  const current = open(notes);
  current.source = todo; // the panel followed the editor to todo.txt
  assert.equal(open(todo), current, 'the palette on todo.txt finds the current-document map');
  assert.equal(open(notes), current, 'and on notes.md too: it is the map of "the current document"');
  assert.equal(created(), 1);
});

test('a document map whose follow is off is its own source: another document gets a new map', () => {
  const registry = new MapRegistry<FakeMap>();
  const { open, created } = opener(registry);
  const pinned = open(notes);
  pinned.source = { ...notes, follow: false }; // the follow toggle switched off in the page
  const current = open(todo);
  assert.notEqual(current, pinned);
  assert.equal(created(), 2);
  assert.equal(registry.find({ ...notes, follow: false }), pinned, 'the pinned map is found by its document');
  assert.equal(registry.find(notes), current, 'the palette now finds the new current-document map');
});

test('closing one map leaves the others; a map revived with no source is kept but never matched', () => {
  const registry = new MapRegistry<FakeMap>();
  const { open, created } = opener(registry);
  const doc = open(notes);
  const table = open(csv);
  const blank = new FakeMap(undefined);
  registry.add(blank);
  registry.remove(doc);
  assert.deepEqual(registry.all(), [table, blank]);
  assert.equal(open(csv), table);
  assert.notEqual(open(notes), doc, 'a closed map is not reused');
  assert.equal(created(), 3);
});

test('titles name the source', () => {
  assert.equal(mapTitle(notes), 'Sentence Map: notes.md');
  assert.equal(mapTitle(csv), 'Sentence Map: labelled.csv');
  assert.equal(mapTitle({ kind: 'document', uri: 'file:///w/my%20notes.md', follow: false }), 'Sentence Map: my notes.md');
  assert.equal(mapTitle({ kind: 'document', uri: 'untitled:Untitled-1', follow: true }), 'Sentence Map: Untitled-1');
  assert.equal(mapTitle(undefined), 'Sentence Map');
});

test('tabs of maps not yet revived: those no live map title accounts for, one tab per live map', () => {
  const tabs = ['Sentence Map: a.csv', 'Sentence Map: notes.md', 'Sentence Map: notes.md', 'Sentence Map: b.txt'];
  assert.deepEqual(unmatchedTitles(tabs, ['Sentence Map: a.csv', 'Sentence Map: notes.md']), [2, 3]);
  assert.deepEqual(unmatchedTitles(tabs, tabs), []);
  assert.deepEqual(unmatchedTitles(tabs, []), [0, 1, 2, 3]);
});
