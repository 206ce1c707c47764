/**
 * The model server as a real child process (dist/server.js) over IPC, driven by the extension's
 * vscode-free ServerClient: load, classify, embed, similar, cancellation, a killed server
 * mid-request, errors, and no orphan after shutdown or after the parent dies.
 * Needs `npm run build` first (npm test does it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IPCMessageReader, IPCMessageWriter, type ResponseError, createMessageConnection } from 'vscode-jsonrpc/node';
import { ClientError, ServerClient } from '../../src/extension/server-client.js';
import { MAX_TEXT_CHARS, MAX_TEXTS } from '../../src/server/model-service.js';
import { ClassifyRequest, type ErrorData, type LoadModelParams, type ProgressParams } from '../../src/protocol.js';
import { offlineModelDir } from '../../src/bundled-files.js';
import { makeTestModel } from '../support/model-folder.js';
import { EXPECTED_LABELS, labelsOf, UNAMBIGUOUS } from '../support/unambiguous.js';

const SERVER = resolve('dist/server.js');
let dir: string;
let modelDir: string;
const logs: string[] = [];
/** The server's detail lines (per-request counts), which the extension logs at debug level. */
const debugLogs: string[] = [];
const progress: ProgressParams[] = [];

function client(): ServerClient {
  return new ServerClient({
    serverPath: SERVER,
    log: (l, level) => (level === 'debug' ? debugLogs : logs).push(l),
    onProgress: (p) => progress.push(p),
    restartDelaysMs: [50],
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await sleep(50);
  }
  return !alive(pid);
}

/** Polls `done` until it holds; fails after `ms` naming what it waited for. */
async function waitUntil(done: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

const manyTexts = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `Sentence number ${i} talks about ${['pizza and pasta', 'the football final', 'a long novel'][i % 3]} ${'and more '.repeat(i % 20)}.`);

before(async () => {
  assert.ok(existsSync(SERVER), `${SERVER} is missing; run npm run build`);
  dir = await mkdtemp(join(tmpdir(), 'sl-server-'));
  modelDir = join(dir, 'model');
  await makeTestModel(modelDir);
  await makeTestModel(join(dir, 'no-heads'), { heads: false });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const params = (): LoadModelParams => ({ model: modelDir, device: 'cpu', batchSize: 16 });

test('load, classify, embed and similar over IPC', async () => {
  const c = client();
  try {
    const info = await c.load({ ...params(), progressId: 'load-1' });
    assert.equal(info.device, 'cpu');
    assert.equal(info.dim, 32);
    assert.deepEqual(info.tasks.map((t) => t.name), ['topic', 'sentiment']);
    assert.ok(progress.some((p) => p.id === 'load-1' && p.kind === 'load'));

    const texts = ['The soup was delicious.', 'We lost the match again.', 'A wonderful book.'];
    const { results, inferenceMs } = await c.classify({ texts, progressId: 'c-1' });
    assert.equal(results.length, 3);
    assert.ok(Number.isFinite(inferenceMs) && inferenceMs > 0, `inferenceMs ${inferenceMs}`);
    for (const r of results) {
      assert.ok(['food', 'sports', 'reading'].includes(r.tasks.topic!.label));
      assert.ok(['positive', 'negative'].includes(r.tasks.sentiment!.label));
      const sum = Object.values(r.tasks.sentiment!.probs).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5);
      assert.equal(r.truncated, false);
    }
    assert.deepEqual(progress.filter((p) => p.id === 'c-1').at(-1), { id: 'c-1', kind: 'batch', done: 3, total: 3 });
    // The server counts the sentences it classifies, per request and in all.
    assert.match(debugLogs.at(-1) ?? '', /classify: 3 sentence\(s\) in \d+ ms; 3 since the server started$/);
    await c.classify({ texts: texts.slice(0, 2) });
    assert.match(debugLogs.at(-1) ?? '', /classify: 2 sentence\(s\) in \d+ ms; 5 since the server started$/);

    const emb = await c.embed({ texts: texts.slice(0, 2) });
    assert.equal(emb.embeddings.length, 2);
    assert.equal(emb.embeddings[0]!.length, 32);

    const sim = await c.similar({ query: texts[1]!, texts: ['Chess is slow.', texts[1]!, 'Bread and butter.'] });
    assert.equal(sim.ranked[0]!.index, 1);
    assert.ok(Math.abs(sim.ranked[0]!.score - 1) < 1e-5);

    const long = await c.classify({ texts: ['word '.repeat(500)] });
    assert.equal(long.results[0]!.truncated, true);
    assert.deepEqual((await c.classify({ texts: [] })).results, []);
  } finally {
    await c.dispose();
  }
});

test('the bundled offline model, served, classifies unambiguous sentences right', async () => {
  const c = client();
  try {
    await c.load({ model: offlineModelDir(), device: 'cpu' });
    const { results } = await c.classify({ texts: UNAMBIGUOUS.map((u) => u.text) });
    assert.deepEqual(labelsOf(results), EXPECTED_LABELS);
  } finally {
    await c.dispose();
  }
});

test('a model without heads gets default topic/sentiment heads trained once on the bundled data', async () => {
  process.env['SENTENCE_LENS_CACHE'] = join(dir, 'cache');
  const c = client();
  try {
    const info = await c.load({ model: join(dir, 'no-heads'), device: 'cpu', progressId: 'dh' });
    assert.deepEqual(info.tasks.map((t) => t.name), ['topic', 'sentiment']);
    assert.ok(progress.some((p) => p.id === 'dh' && p.kind === 'load' && /training default topic\/sentiment heads/.test(p.message ?? '')));
    const { results } = await c.classify({ texts: ['Fresh bread.'] });
    assert.ok(['food', 'sports', 'reading'].includes(results[0]!.tasks.topic!.label));
  } finally {
    await c.dispose();
    delete process.env['SENTENCE_LENS_CACHE'];
  }
});

test('errors come back with our code and a message that says why', async () => {
  const c = client();
  try {
    await assert.rejects(c.classify({ texts: ['x'] }), (e: ClientError) => e.code === 'NO_MODEL');
    await assert.rejects(c.load({ model: join(dir, 'nope'), device: 'cpu' }), (e: ClientError) => e.code === 'MISSING_FILE' && /does not exist/.test(e.message));
    await assert.rejects(c.load({ ...params(), maxLength: 1 }), (e: ClientError) => e.code === 'BAD_ARGUMENT');
    const st = await c.status();
    assert.equal(st.state, 'error');
  } finally {
    await c.dispose();
  }
});

test('the server itself answers a request that comes before any model with NO_MODEL', async () => {
  // Straight to the process, past ServerClient (which refuses such a request on its own).
  const child = fork(SERVER, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  try {
    await assert.rejects(connection.sendRequest(ClassifyRequest, { texts: ['x'] }), (e: ResponseError<ErrorData>) => {
      assert.equal(e.data?.code, 'NO_MODEL');
      assert.match(e.message, /no model loaded/);
      return true;
    });
  } finally {
    connection.dispose();
    const exited = once(child, 'exit');
    child.kill();
    await exited;
  }
});

test('too many texts or a too long text is refused with a message that says the limit; the server stays usable', async () => {
  const c = client();
  try {
    await c.load(params());
    const many = Array.from({ length: MAX_TEXTS + 1 }, () => 'Hi.');
    await assert.rejects(c.classify({ texts: many }), (e: ClientError) => e.code === 'BAD_ARGUMENT' && e.message === `${MAX_TEXTS + 1} texts in one request; at most ${MAX_TEXTS}`);
    const long = ['Short.', 'x'.repeat(MAX_TEXT_CHARS + 1)];
    await assert.rejects(c.embed({ texts: long }), (e: ClientError) => e.code === 'BAD_ARGUMENT' && e.message === `text 1 has ${MAX_TEXT_CHARS + 1} characters; at most ${MAX_TEXT_CHARS}`);
    // At the limits themselves: answered.
    assert.equal((await c.classify({ texts: ['word '.repeat(MAX_TEXT_CHARS / 5)] })).results[0]!.truncated, true);
  } finally {
    await c.dispose();
  }
});

test('a model load superseded by a newer one is cancelled; the newer model is the one that answers', async () => {
  const states: string[] = [];
  const c = new ServerClient({ serverPath: SERVER, log: (l) => logs.push(l), onState: (s) => states.push(s) });
  try {
    const older = c.load(params());
    const newer = c.load({ model: offlineModelDir(), device: 'cpu' });
    await assert.rejects(older, (e: ClientError) => e.code === 'CANCELLED');
    const info = await newer;
    assert.equal(info.model, offlineModelDir());
    assert.equal(c.model?.model, offlineModelDir());
    const st = await c.status();
    assert.equal(st.state, 'ready');
    assert.equal(st.model?.model, offlineModelDir());
    // The offline model's vocabulary and heads answer (it gets an unambiguous sentence right).
    const { results } = await c.classify({ texts: [UNAMBIGUOUS[0]!.text] });
    assert.equal(results[0]!.tasks['topic']!.label, UNAMBIGUOUS[0]!.topic);
    assert.ok(logs.some((l) => /loadModel failed .*cancelled/.test(l)), 'the server logged the superseded load');
    assert.equal(states.at(-1), 'ready', `states: ${states.join(' → ')}`);
    assert.ok(!states.includes('error'), `a superseded load is no error: ${states.join(' → ')}`);
  } finally {
    await c.dispose();
  }
});

test('cancelling a request stops the work in the server, which stays usable', async () => {
  const c = client();
  try {
    await c.load(params());
    const ac = new AbortController();
    const texts = manyTexts(4000);
    const p = c.classify({ texts, progressId: 'cancel-1' }, ac.signal);
    await waitUntil(() => progress.some((x) => x.id === 'cancel-1'), 'the first batch of the request');
    ac.abort();
    await assert.rejects(p, (e: ClientError) => e.code === 'CANCELLED');
    // The server logs the request's end; had it gone on, it would have finished instead.
    await waitUntil(() => logs.some((l) => /classify failed .*cancelled/.test(l)), 'the server to log the cancelled request');
    const last = progress.filter((x) => x.id === 'cancel-1').at(-1) as { done: number; total: number };
    assert.ok(last.done < last.total, `the server went on to ${last.done} of ${last.total}`);
    assert.equal((await c.classify({ texts: ['still here'] })).results.length, 1);
  } finally {
    await c.dispose();
  }
});

test('a server killed mid-request is restarted and the request completes', async () => {
  const c = client();
  try {
    await c.load(params());
    const first = c.pid!;
    const texts = manyTexts(1500);
    const p = c.classify({ texts, progressId: 'kill-1' });
    await waitUntil(() => progress.some((x) => x.id === 'kill-1'), 'the first batch of the request');
    process.kill(first, 'SIGKILL');
    const { results } = await p;
    assert.equal(results.length, texts.length);
    assert.ok(c.pid && c.pid !== first, 'a new server process answered');
    assert.ok(logs.some((l) => /re-sending the request/.test(l)));
    assert.ok(await waitGone(first));
  } finally {
    await c.dispose();
  }
});

test('dispose ends the server; so does the death of its parent', async () => {
  const c = client();
  await c.load(params());
  const pid = c.pid!;
  await c.dispose();
  assert.ok(await waitGone(pid, 2000), 'server gone after dispose');
  await assert.rejects(c.classify({ texts: ['x'] }), (e: ClientError) => e.code === 'SERVER_DIED');

  // A parent that is SIGKILLed cannot clean up: the server must notice the IPC channel close.
  const script = `
    import { ServerClient } from ${JSON.stringify(resolve('src/extension/server-client.ts'))};
    const c = new ServerClient({ serverPath: ${JSON.stringify(SERVER)}, log: () => {} });
    await c.load({ model: ${JSON.stringify(modelDir)}, device: 'cpu' });
    console.log('PID ' + c.pid);
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const serverPid = await new Promise<number>((res, rej) => {
    let out = '';
    parent.stdout!.on('data', (d) => {
      out += String(d);
      const m = /PID (\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    parent.on('exit', (code) => rej(new Error(`parent exited early (${code})`)));
  });
  assert.ok(alive(serverPid));
  parent.kill('SIGKILL');
  assert.ok(await waitGone(serverPid), 'server exits when its parent dies');
});
