/** `sentence-lens train` and `eval` end to end through the bundled CLI (npm run build first). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateModelFolder } from '../../src/engine/model/generate.js';
import { CLI, runCli } from '../support/run-cli.js';
import { tempDir } from '../support/model-folder.js';

const root = new URL('../../', import.meta.url).pathname;
const lines = (await readFile(join(root, 'models/sentences.csv'), 'utf8')).split('\n');
const dir = await tempDir('sl-train-cli-');
const csv = join(dir, 'few.csv');
await writeFile(csv, lines.slice(0, 41).join('\n') + '\n');
const model = join(dir, 'model');
await generateModelFolder(model, {
  texts: lines.slice(1, 41).map((l) => l.split(',')[0]!),
  seed: 2,
  config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2 },
});

test('train writes best and last checkpoints and prints a JSON summary; eval and classify use the checkpoint', async () => {
  const out = join(dir, 'run');
  const r = await runCli([
    'train', csv, '--model', model, '--out', out, '--device', 'cpu', '--epochs', '2', '--batch-size', '8', '--lr', '1e-3',
    '--task', 'topic=topic', '--task', 'sentiment=sentiment', '--loss-weight', 'sentiment=0.5', '--warmup', '0.1', '--dropout', '0.05',
    '--val-split', '0.25', '--seed', '3', '--optimizer', 'adamw', '--layer-lr-decay', '0.9',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.status, 'completed');
  assert.equal(s.cancelled, false);
  assert.equal(s.step, s.totalSteps);
  assert.equal(s.trainExamples + s.valExamples, 40);
  assert.equal(s.valExamples, 10);
  assert.deepEqual(Object.keys(s.metrics.tasks), ['topic', 'sentiment']);
  const topic = s.metrics.tasks.topic;
  assert.equal(topic.confusion.flat().reduce((a: number, b: number) => a + b, 0), topic.count);
  assert.ok(existsSync(join(out, 'last', 'training_state.json')));
  assert.ok(existsSync(join(out, 'best', 'model.safetensors')));
  assert.equal(s.best.dir, join(out, 'best'));
  assert.match(r.stderr, /training \d+ of \d+ parameter groups/);
  assert.match(r.stderr, /eval step \d+: loss/);

  const e = await runCli(['eval', csv, '--model', join(out, 'best'), '--device', 'cpu']);
  assert.equal(e.code, 0, e.stderr);
  const m = JSON.parse(e.stdout);
  assert.equal(m.metrics.examples, 40);
  assert.equal(m.metrics.tasks.sentiment.count, 40);
  assert.deepEqual(m.metrics.tasks.sentiment.labels, ['negative', 'positive']);
  // Accuracy is the confusion matrix's diagonal over its total.
  for (const t of ['topic', 'sentiment']) {
    const { accuracy, confusion, count } = m.metrics.tasks[t];
    const correct = confusion.reduce((sum: number, row: number[], i: number) => sum + row[i]!, 0);
    assert.ok(Math.abs(accuracy - correct / count) < 1e-9, `${t}: accuracy ${accuracy}, confusion diagonal ${correct} of ${count}`);
  }

  const c = await runCli(['classify', '--model', join(out, 'best'), '--device', 'cpu', 'We won the match.']);
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(Object.keys(JSON.parse(c.stdout)[0].tasks), ['topic', 'sentiment']);
});

test('train then eval on a separable toy set: accuracy far above chance on both tasks', async () => {
  // The topic is the noun and the sentiment the adjective: a model that learns anything fits it.
  const nouns = { food: ['soup', 'bread', 'pasta'], sports: ['goal', 'match', 'team'], reading: ['novel', 'poem', 'chapter'] };
  const adjectives = { positive: ['lovely', 'great'], negative: ['awful', 'boring'] };
  const rows = Object.entries(nouns).flatMap(([topic, ns]) => ns.flatMap((n) =>
    Object.entries(adjectives).flatMap(([sentiment, as]) => as.map((a) => `The ${n} was ${a}.,${topic},${sentiment}`))));
  const toyDir = join(dir, 'toy');
  await mkdir(toyDir);
  const toy = join(toyDir, 'toy.csv');
  await writeFile(toy, `sentence,topic,sentiment\n${rows.join('\n')}\n`);
  const toyModel = join(toyDir, 'model');
  await generateModelFolder(toyModel, {
    texts: rows.map((r) => r.split(',')[0]!), seed: 2,
    config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2 },
  });
  const out = join(toyDir, 'run');
  const r = await runCli(['train', toy, '--model', toyModel, '--out', out, '--device', 'cpu', '--epochs', '15', '--batch-size', '8', '--lr', '1e-2', '--val', toy, '--seed', '3']);
  assert.equal(r.code, 0, r.stderr);
  const e = await runCli(['eval', toy, '--model', join(out, 'best'), '--device', 'cpu']);
  assert.equal(e.code, 0, e.stderr);
  const { tasks } = JSON.parse(e.stdout).metrics;
  // Chance is 1/3 for topic and 1/2 for sentiment.
  assert.ok(tasks.topic.accuracy >= 0.9, `topic accuracy ${tasks.topic.accuracy}`);
  assert.ok(tasks.sentiment.accuracy >= 0.9, `sentiment accuracy ${tasks.sentiment.accuracy}`);
});

test('Ctrl-C finishes the step, saves last and prints a summary marked cancelled; --resume continues', async () => {
  const out = join(dir, 'interrupted');
  const child = spawn(process.execPath, [CLI, 'train', csv, '--model', model, '--out', out, '--device', 'cpu', '--max-steps', '100000', '--batch-size', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    // Any progress line (training, evaluating, saving) means steps are under way; with four rows
    // every step ends an epoch, so the sampled line is often the evaluation's.
    if (!sent && /^training (epoch|evaluating|saving) /m.test(stderr)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const s = JSON.parse(stdout);
  assert.equal(s.cancelled, true);
  assert.ok(s.step >= 1 && s.step < 100000);
  assert.equal(s.last.step, s.step);
  const state = JSON.parse(await readFile(join(out, 'last', 'training_state.json'), 'utf8'));
  assert.equal(state.position.step, s.step);

  // Resuming with a changed option warns that the saved options win; shorten the run by
  // resuming a copy whose state asks for just one more step.
  state.totalSteps = s.step + 1;
  state.schedule.totalSteps = s.step + 1;
  await writeFile(join(out, 'last', 'training_state.json'), JSON.stringify(state));
  const r = await runCli(['train', '--resume', out, '--epochs', '9']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ignoring --epochs/);
  const resumed = JSON.parse(r.stdout);
  assert.equal(resumed.step, s.step + 1);
  assert.equal(resumed.status, 'completed');
});

test('train --pairs adds the pair ranking loss and reports it; a bad pairs file is named with its line', async () => {
  const pairsCsv = join(dir, 'pairs.csv');
  await writeFile(pairsCsv, 'sentence,paraphrase\nWe won the match.,Our team won the game.\nThe soup was cold.,My soup had gone cold.\nA great book.,"A wonderful, gripping novel."\n');
  const r = await runCli(['train', csv, '--model', model, '--out', join(dir, 'pairs-run'), '--device', 'cpu', '--epochs', '1', '--batch-size', '8',
    '--pairs', pairsCsv, '--pairs-per-step', '3', '--pair-weight', '0.5', '--pair-scale', '10', '--seed', '4']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.status, 'completed');
  assert.ok(Number.isFinite(s.lastTrainLosses.pairs) && s.lastTrainLosses.pairs > 0, JSON.stringify(s.lastTrainLosses));
  assert.ok(Number.isFinite(s.lastTrainLosses.topic));

  const badPairs = join(dir, 'bad-pairs.csv');
  await writeFile(badPairs, 'sentence,paraphrase\nA,B\nC,\nD,E\n');
  const b = await runCli(['train', csv, '--model', model, '--out', join(dir, 'bad-pairs'), '--device', 'cpu', '--pairs', badPairs]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /bad-pairs\.csv:3: the paraphrase text is empty; each pair needs two texts/);
  const w = await runCli(['train', csv, '--model', model, '--out', join(dir, 'no-pairs'), '--device', 'cpu', '--pair-weight', '2']);
  assert.equal(w.code, 1);
  assert.match(w.stderr, /pair weight and pair scale need a pairs file/);
});

test('bad arguments fail with a clear message and exit code 1', async () => {
  const r = await runCli(['train', csv, '--model', model, '--out', join(dir, 'bad'), '--freeze', 'bottom:9', '--device', 'cpu']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bottom:9 asks for more layers than the model has/);
  const t = await runCli(['train', csv, '--model', model, '--task', 'topic']);
  assert.equal(t.code, 1);
  assert.match(t.stderr, /--task expects NAME=COLUMN/);
  const e = await runCli(['eval', csv, '--model', model]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /no task heads/);
});
