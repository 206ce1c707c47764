import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Command } from '../../src/cli/command.js';
import { SentenceModel } from '../../src/engine/inference.js';
import { CLI, runCli } from '../support/run-cli.js';
import { modelWithHeads, tempDir } from '../support/model-folder.js';
import { EXPECTED_LABELS, labelsOf, UNAMBIGUOUS } from '../support/unambiguous.js';

test('the CLI bundle exists (npm test builds it first)', () => {
  assert.ok(existsSync(CLI), `${CLI} missing: run npm run build`);
});

test('without --model the bundled offline model classifies unambiguous sentences right', async () => {
  const r = await runCli(['classify', '--device', 'cpu', ...UNAMBIGUOUS.map((u) => u.text)]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(labelsOf(JSON.parse(r.stdout)), EXPECTED_LABELS);
});

test('embed prints model, device, dim and one vector per sentence, equal to the engine', async () => {
  const dir = await modelWithHeads();
  const r = await runCli(['embed', '--model', dir, '--device', 'cpu', '--normalize', 'The cake was dry.', 'We won the cup!']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.model, dir);
  assert.equal(out.device, 'cpu');
  assert.equal(out.dim, 32);
  assert.equal(out.embeddings.length, 2);
  const engine = await SentenceModel.load(dir, { device: 'cpu', normalize: true });
  const expected = await engine.run(['The cake was dry.', 'We won the cup!']);
  await engine.release();
  out.embeddings.forEach((e: number[], i: number) => {
    assert.equal(e.length, 32);
    e.forEach((x, j) => assert.ok(Math.abs(x - expected[i]!.embedding[j]!) < 1e-6));
  });
});

test('classify reads sentences from stdin, one per line, and prints labels and probabilities', async () => {
  const dir = await modelWithHeads();
  const r = await runCli(['classify', '--model', dir, '--device', 'cpu'], { stdin: 'The cake was dry.\n\nWe won the cup!\r\nA gripping novel.\n' });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.map((x: { text: string }) => x.text), ['The cake was dry.', 'We won the cup!', 'A gripping novel.']);
  for (const row of out) {
    assert.deepEqual(Object.keys(row.tasks), ['topic', 'sentiment']);
    assert.deepEqual(Object.keys(row.tasks.topic.probs), ['food', 'sports', 'reading']);
    assert.ok(row.tasks.topic.probs[row.tasks.topic.label] >= Math.max(...Object.values(row.tasks.topic.probs) as number[]));
  }
});

test('--help works for the CLI and every command it lists, and documents every option the command takes', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  const names = [...(top.stdout.split('Commands:\n')[1] ?? '').matchAll(/^ {2}(\S+) {2}/gm)].map((m) => m[1]!);
  assert.ok(names.length >= 6, `commands listed: ${names.join(', ')}`);
  for (const name of names) {
    const module = (await import(`../../src/cli/commands/${name}.js`)) as Record<string, Command>;
    const command = module[`${name}Command`]!;
    const r = await runCli([name, '--help']);
    assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`Usage: ${command.usage}\n`), `${name} --help:\n${r.stdout}`);
    const options = r.stdout.split('\nOptions:\n')[1] ?? '';
    for (const option of Object.keys(command.options)) {
      assert.match(options, new RegExp(`^ +--${option}\\b`, 'm'), `${name} --help explains no --${option}`);
    }
  }
});

test('errors go to stderr with a non-zero exit and no stack trace unless --debug', async () => {
  const missing = await runCli(['embed', '--model', '/no/such/dir', 'hello']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /model folder \/no\/such\/dir does not exist/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const debug = await runCli(['embed', '--model', '/no/such/dir', '--debug', 'hello']);
  assert.match(debug.stderr, /\n\s+at /);
  const badOption = await runCli(['embed', '--modle', 'x']);
  assert.equal(badOption.code, 1);
  assert.match(badOption.stderr, /--modle/);
  const badPooling = await runCli(['embed', '--model', 'x', '--pooling', 'max', 'hi']);
  assert.match(badPooling.stderr, /--pooling expects mean or cls/);
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
});

test('classify on a model without heads trains default heads once, then reuses them', async () => {
  const noHeads = await modelWithHeads();
  const { rm } = await import('node:fs/promises');
  await rm(`${noHeads}/tasks.json`);
  await rm(`${noHeads}/heads.safetensors`);
  const cache = await tempDir('sl-cache-');
  const env = { SENTENCE_LENS_CACHE: cache };
  const first = await runCli(['classify', '--model', noHeads, '--device', 'cpu', 'A lovely bowl of soup.'], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /no topic\/sentiment heads yet: training them once/);
  const out = JSON.parse(first.stdout);
  assert.deepEqual(Object.keys(out[0].tasks), ['topic', 'sentiment']);
  const second = await runCli(['classify', '--model', noHeads, '--device', 'cpu', 'A lovely bowl of soup.'], { env });
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /training them once/);
  assert.deepEqual(JSON.parse(second.stdout), out);
});
