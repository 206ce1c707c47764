import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parameterShapes } from '../../src/engine/model/weights.js';
import { headParameterShapes } from '../../src/engine/model/heads.js';
import {
  describeFreeze, formatFreezePolicy, isTrainableFor, nothingToTrainMessage, NOTHING_TO_TRAIN, parseFreezePolicy,
} from '../../src/engine/train/freeze.js';
import { SentenceLensError } from '../../src/engine/errors.js';
import { tinyConfig } from '../support/random-weights.js';

const config = tinyConfig({ numLayers: 2 });
const shapes = new Map([
  ...parameterShapes(config),
  ...headParameterShapes({ name: 'topic', labels: ['food', 'sports', 'reading'], hiddenSize: 8 }, config.hiddenSize),
  ...headParameterShapes({ name: 'sentiment', labels: ['positive', 'negative'] }, config.hiddenSize),
]);
const names = [...shapes.keys()];
const sizes = new Map([...shapes].map(([n, s]) => [n, s.reduce((a, b) => a * b, 1)]));

const embeddings = names.filter((n) => n.startsWith('embeddings.'));
const layer0 = names.filter((n) => n.startsWith('encoder.layer.0.'));
const layer1 = names.filter((n) => n.startsWith('encoder.layer.1.'));
const topic = names.filter((n) => n.startsWith('heads.topic.'));
const sentiment = names.filter((n) => n.startsWith('heads.sentiment.'));

function trainableSet(policy: string, frozenHeads: string[] = []): string[] {
  const t = isTrainableFor(parseFreezePolicy(policy), { numLayers: 2, frozenHeads });
  return names.filter(t).sort();
}
const sorted = (...xs: string[][]): string[] => xs.flat().sort();

test('the fixture has the expected names', () => {
  assert.equal(embeddings.length, 5);
  assert.equal(layer0.length, 16);
  assert.equal(topic.length, 4); // dense.weight, dense.bias, out.weight, out.bias
  assert.equal(sentiment.length, 2);
  assert.equal(names.length, 5 + 2 * 16 + 4 + 2);
});

test('each policy trains exactly its set', () => {
  assert.deepEqual(trainableSet('none'), sorted(names));
  assert.deepEqual(trainableSet('backbone'), sorted(topic, sentiment));
  assert.deepEqual(trainableSet('embeddings'), sorted(layer0, layer1, topic, sentiment));
  assert.deepEqual(trainableSet('bottom:0'), sorted(layer0, layer1, topic, sentiment));
  assert.deepEqual(trainableSet('bottom:1'), sorted(layer1, topic, sentiment));
  assert.deepEqual(trainableSet('bottom:2'), trainableSet('backbone'));
  assert.deepEqual(trainableSet('all'), []);
});

test('frozen heads are frozen under every policy', () => {
  assert.deepEqual(trainableSet('none', ['topic']), sorted(embeddings, layer0, layer1, sentiment));
  assert.deepEqual(trainableSet('backbone', ['sentiment']), sorted(topic));
  assert.deepEqual(trainableSet('bottom:1', ['topic', 'sentiment']), sorted(layer1));
  assert.deepEqual(trainableSet('all', ['topic']), []);
});

test('pooler parameters follow the backbone', () => {
  const p = (policy: string) => isTrainableFor(parseFreezePolicy(policy), { numLayers: 2 })('pooler.dense.weight');
  assert.equal(p('none'), true);
  assert.equal(p('embeddings'), true);
  assert.equal(p('bottom:1'), true);
  assert.equal(p('bottom:2'), false);
  assert.equal(p('backbone'), false);
});

test('parsing is tolerant of case and spaces and round-trips', () => {
  assert.deepEqual(parseFreezePolicy(' Backbone '), { kind: 'backbone' });
  assert.deepEqual(parseFreezePolicy('bottom:3'), { kind: 'bottom', layers: 3 });
  for (const s of ['none', 'backbone', 'embeddings', 'bottom:4', 'all']) assert.equal(formatFreezePolicy(parseFreezePolicy(s)), s);
});

function throwsArg(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SentenceLensError, String(e));
    assert.equal(e.code, 'BAD_ARGUMENT');
    assert.match(e.message, re);
    return true;
  });
}

test('bad policy strings say what is accepted', () => {
  const accepted = /accepted: none, backbone, embeddings, bottom:K .*all/;
  throwsArg(() => parseFreezePolicy('bottom:x'), /"bottom:x".*whole number.*"x"/);
  throwsArg(() => parseFreezePolicy('bottom:x'), accepted);
  throwsArg(() => parseFreezePolicy('bottom:-1'), /"bottom:-1".*whole number.*"-1"/);
  throwsArg(() => parseFreezePolicy('bottom:1.5'), accepted);
  throwsArg(() => parseFreezePolicy('bottom:'), accepted);
  throwsArg(() => parseFreezePolicy('heads'), /unknown freeze policy "heads"/);
  throwsArg(() => parseFreezePolicy('heads'), accepted);
  throwsArg(() => parseFreezePolicy(''), /unknown freeze policy ""/);
});

test('bottom:K beyond the model names numLayers', () => {
  throwsArg(() => isTrainableFor(parseFreezePolicy('bottom:3'), { numLayers: 2 }), /bottom:3.*numLayers = 2/);
});

test('names that are not model parameters are refused', () => {
  const t = isTrainableFor(parseFreezePolicy('none'), { numLayers: 2 });
  throwsArg(() => t('bert.embeddings.word_embeddings.weight'), /"bert\.embeddings\.word_embeddings\.weight" is not/);
  throwsArg(() => t('encoder.layer.2.output.dense.bias'), /layer 2 .*numLayers = 2/);
});

test('describeFreeze gives one honest line', () => {
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const n = (xs: string[]) => xs.reduce((a, x) => a + sizes.get(x)!, 0);
  const fmt = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(v));
  const ctx = { numLayers: 2 };
  assert.equal(
    describeFreeze(parseFreezePolicy('bottom:1'), ctx, sizes),
    `training 3 of 5 parameter groups, ${fmt(n([...layer1, ...topic, ...sentiment]))} of ${fmt(total)} parameters; frozen: embeddings, layer 0`,
  );
  assert.equal(
    describeFreeze(parseFreezePolicy('backbone'), { numLayers: 2, frozenHeads: ['topic'] }, sizes),
    `training 1 of 5 parameter groups, ${fmt(n(sentiment))} of ${fmt(total)} parameters; frozen: embeddings, layers 0–1, head topic`,
  );
  assert.match(describeFreeze(parseFreezePolicy('none'), ctx, sizes), /^training 5 of 5 parameter groups, .*; frozen: nothing$/);
  // Big counts in millions, with the data itself as the size.
  const big = new Map<string, number | Float32Array>([['embeddings.word_embeddings.weight', 22_000_000], ['heads.t.out.weight', new Float32Array(700_000)]]);
  assert.equal(describeFreeze(parseFreezePolicy('backbone'), { numLayers: 0 }, big), 'training 1 of 2 parameter groups, 700.0k of 22.7M parameters; frozen: embeddings');
});

test('nothing to train is said plainly', () => {
  assert.equal(nothingToTrainMessage(parseFreezePolicy('all')), NOTHING_TO_TRAIN);
  assert.equal(NOTHING_TO_TRAIN, 'freeze=all: nothing will train; running evaluation only');
  assert.equal(nothingToTrainMessage(parseFreezePolicy('backbone'), { numLayers: 2 }, names), undefined);
  assert.equal(
    nothingToTrainMessage(parseFreezePolicy('backbone'), { numLayers: 2, frozenHeads: ['topic', 'sentiment'] }, names),
    'freeze=backbone with frozen heads topic, sentiment: nothing will train; running evaluation only',
  );
});
