import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DECORATION_FORMAT, UNFAMILIAR_LABEL, formatDecoration, hoverMarkdown, templateProblems, toneOf } from '../../../src/extension/decoration-format.js';
import type { Classification } from '../../../src/protocol.js';

const c: Classification = {
  tasks: {
    topic: { label: 'food', probs: { food: 0.92, sports: 0.05, reading: 0.03 } },
    sentiment: { label: 'positive', probs: { positive: 0.876, negative: 0.124 } },
  },
  truncated: false,
};

test('default template', () => {
  assert.equal(formatDecoration(DEFAULT_DECORATION_FORMAT, c), 'food 92% · positive 88%');
});

test('custom templates and literal text', () => {
  assert.equal(formatDecoration('[{sentiment}] {topic}', c), '[positive] food');
  assert.equal(formatDecoration('→ {topic%}', c), '→ 92%');
});

test('unknown task or no placeholder: every task of the model', () => {
  assert.equal(formatDecoration('{language} {topic}', c), 'food 92% · positive 88%');
  assert.equal(formatDecoration('plain', c), 'food 92% · positive 88%');
});

test('below minConfidence the label shows as ?', () => {
  assert.equal(formatDecoration(DEFAULT_DECORATION_FORMAT, c, 0.9), 'food 92% · ? 88%');
  assert.equal(toneOf(c, 0.9), 'neutral');
});

test('truncated sentences say so', () => {
  assert.equal(formatDecoration('{topic}', { ...c, truncated: true }), 'food (truncated)');
  assert.match(hoverMarkdown({ ...c, truncated: true }, { maxLength: 128 }), /longer than 128 tokens/);
});

test('tone from sentiment', () => {
  assert.equal(toneOf(c), 'positive');
  assert.equal(toneOf({ ...c, tasks: { ...c.tasks, sentiment: { label: 'negative', probs: { positive: 0.2, negative: 0.8 } } } }), 'negative');
  assert.equal(toneOf({ tasks: { topic: c.tasks.topic! }, truncated: false }), 'neutral');
});

test('hover: a table with every probability, best label bold, labels escaped', () => {
  const md = hoverMarkdown({ tasks: { ...c.tasks, odd: { label: 'a|b', probs: { 'a|b': 0.6, '*c*': 0.4 } } }, truncated: false });
  assert.match(md, /\| Task \| Label \| Probability \|/);
  assert.match(md, /\| topic \| \*\*food\*\* \| 92\.0% \|/);
  assert.match(md, /\|  \| sports \| 5\.0% \|/);
  assert.match(md, /\*\*a\\\|b\*\*/);
  assert.match(md, /\\\*c\\\*/);
  assert.equal(md.split('\n').filter((l) => l.startsWith('| ')).length, 1 + 3 + 2 + 2);
});

test('a template is checked against the model: each placeholder it cannot fill, by name', () => {
  const tasks = ['topic', 'sentiment'];
  assert.deepEqual(templateProblems(DEFAULT_DECORATION_FORMAT, tasks), []);
  assert.deepEqual(templateProblems('{topic} {language} {language%}', tasks), ['{language}', '{language%}']);
  assert.deepEqual(templateProblems('{topic%%} {to pic} {}', tasks), ['{topic%%}', '{to pic}', '{}']);
  assert.deepEqual(templateProblems('no placeholders', tasks), []);
});

test('mostly unknown words: no labels, neutral, and the hover says why', () => {
  const unfamiliar: Classification = { ...c, unknownShare: 0.9 };
  assert.equal(formatDecoration(DEFAULT_DECORATION_FORMAT, unfamiliar, 0, 0.5), UNFAMILIAR_LABEL);
  assert.equal(toneOf(unfamiliar, 0, 0.5), 'neutral');
  assert.match(hoverMarkdown(unfamiliar, { unknownThreshold: 0.5 }), /\*\*No labels:\*\* 90% of this sentence's words are unknown to the model's vocabulary/);
  // Under the threshold, or with no threshold given, the labels stand.
  assert.equal(formatDecoration(DEFAULT_DECORATION_FORMAT, unfamiliar, 0, 0.95), 'food 92% · positive 88%');
  assert.equal(formatDecoration(DEFAULT_DECORATION_FORMAT, unfamiliar), 'food 92% · positive 88%');
  assert.doesNotMatch(hoverMarkdown(unfamiliar, { unknownThreshold: 0.95 }), /No labels/);
});
