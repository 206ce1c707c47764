// Pure parts of teach-in-place in the extension: margin order, the hover's command links, the
// labels settings and where the files go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABEL_AS, isLabelTarget, labelLinksMarkdown } from '../../../src/extension/labels/hover-links.js';
import { labelsParams, readLabelsSettings } from '../../../src/extension/labels/labels-settings.js';
import { marginOf, rankByMargin } from '../../../src/extension/labels/margins.js';
import type { Classification } from '../../../src/protocol.js';

const c = (topic: Record<string, number>, sentiment: Record<string, number>): Classification => ({
  truncated: false,
  tasks: {
    topic: { label: Object.entries(topic).sort((a, b) => b[1] - a[1])[0]![0], probs: topic },
    sentiment: { label: Object.entries(sentiment).sort((a, b) => b[1] - a[1])[0]![0], probs: sentiment },
  },
});

test('margin is top-1 minus top-2 probability, whatever the label order', () => {
  const m = marginOf({ food: 0.2, sports: 0.5, reading: 0.3 });
  assert.ok(Math.abs(m.margin - 0.2) < 1e-12);
  assert.deepEqual(m.top.map((x) => x.label), ['sports', 'reading']);
});

test('sentences rank least certain first, per task, ties in document order', () => {
  const items = [
    { text: 'a', result: c({ food: 0.9, sports: 0.05, reading: 0.05 }, { positive: 0.55, negative: 0.45 }) },
    { text: 'b', result: c({ food: 0.4, sports: 0.35, reading: 0.25 }, { positive: 0.99, negative: 0.01 }) },
    { text: 'c', result: c({ food: 0.6, sports: 0.3, reading: 0.1 }, { positive: 0.45, negative: 0.55 }) },
  ];
  assert.deepEqual(rankByMargin(items, 'topic').map((r) => r.item.text), ['b', 'c', 'a']);
  assert.deepEqual(rankByMargin(items, 'sentiment').map((r) => r.item.text), ['a', 'c', 'b']);
  assert.deepEqual(rankByMargin(items, 'unknown'), []);
});

test('hover links call Label As with the sentence and task, and show the label already given', () => {
  const md = labelLinksMarkdown({ uri: 'file:///w/a.md', start: 4, end: 20 }, ['topic', 'sentiment'], { sentiment: 'negative' });
  const links = [...md.matchAll(/\]\(command:([\w.]+)\?([^ )]+)/g)];
  assert.equal(links.length, 2);
  assert.ok(links.every((l) => l[1] === LABEL_AS));
  const args = links.map((l) => JSON.parse(decodeURIComponent(l[2]!))[0]);
  assert.deepEqual(args[0], { uri: 'file:///w/a.md', start: 4, end: 20, task: 'topic' });
  assert.ok(args.every(isLabelTarget));
  assert.match(md, /your label: \*\*negative\*\*/);
  assert.equal(isLabelTarget({ uri: 1, start: 0, end: 1 }), false);
});

test('labels settings: defaults, bad values fall back with a warning, paths inside the workspace folder', () => {
  const warnings: string[] = [];
  const s = readLabelsSettings({ get: (k: string) => ({ labelsWeight: 0, labelsMixTrainingData: 'yes' } as Record<string, unknown>)[k] as never }, (w) => warnings.push(w));
  assert.deepEqual(s, { labelsFile: '.sentence-lens/labels.csv', mixTrainingData: true, userWeight: 5 });
  assert.equal(warnings.length, 2);
  const p = labelsParams(s, '/w');
  assert.equal(p.labelsFile, '/w/.sentence-lens/labels.csv');
  assert.equal(p.headsDir, '/w/.sentence-lens/labels-heads');
  assert.equal(labelsParams({ ...s, labelsFile: '/data/l.csv' }, '/w').labelsFile, '/data/l.csv');
});
