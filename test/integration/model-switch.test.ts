/**
 * Switching models never leaves a stale state (issue: after a failed hub download, choosing the
 * offline model retried the failed one and the status stayed on "error"). Drives the extension's
 * ServerClient against the real server process, with stand-in hubs on 127.0.0.1: one that never
 * answers (a download in progress) and one that answers every request with 500.
 * Needs `npm run build` first (npm test does it).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ClientError, type ClientState, ServerClient } from '../../src/extension/server-client.js';
import type { ModelInfo } from '../../src/protocol.js';
import { makeTestModel } from '../support/model-folder.js';

const SERVER = resolve('dist/server.js');
let dir: string;
let modelDir: string;
const servers: Server[] = [];

async function standInHub(answer: 'hang' | 'fail'): Promise<string> {
  const server = createServer((req, res) => {
    if (answer === 'fail') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
    // 'hang': never answers; the request stays open until the client gives up.
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(endpoint: string, seen: { states: [ClientState, string | undefined][]; models: ModelInfo[] }): ServerClient {
  return new ServerClient({
    serverPath: SERVER,
    log: () => undefined,
    onState: (s, d) => seen.states.push([s, d]),
    onModel: (m) => seen.models.push(m),
    env: { ...process.env, HF_ENDPOINT: endpoint, HF_HOME: join(dir, 'hf-home') },
  });
}

before(async () => {
  assert.ok(existsSync(SERVER), `${SERVER} is missing; run npm run build`);
  dir = await mkdtemp(join(tmpdir(), 'sl-switch-'));
  modelDir = join(dir, 'model');
  await makeTestModel(modelDir);
});

after(async () => {
  for (const s of servers) s.closeAllConnections(), s.close();
  await rm(dir, { recursive: true, force: true });
});

test('choosing another model cancels the pending load; the state ends ready on the new one', async () => {
  const seen = { states: [] as [ClientState, string | undefined][], models: [] as ModelInfo[] };
  const c = client(await standInHub('hang'), seen);
  try {
    const pending = c.load({ model: 'org/never-arrives', device: 'cpu' }).then(() => 'loaded', (e: unknown) => e);
    // Wait until the server is really on it (the load started), then choose the local model.
    while (!seen.states.some(([s]) => s === 'loading')) await new Promise((r) => setTimeout(r, 20));
    const info = await c.load({ model: modelDir, device: 'cpu' });
    assert.equal(info.model, modelDir);
    const outcome = await pending;
    assert.ok(outcome instanceof ClientError && outcome.code === 'CANCELLED' && /another model was chosen/.test(outcome.message), String(outcome));
    assert.deepEqual(seen.states.at(-1), ['ready', undefined]);
    assert.ok(!seen.states.some(([s]) => s === 'error'), JSON.stringify(seen.states));
    assert.deepEqual(seen.models.map((m) => m.model), [modelDir]);
    assert.equal(c.model?.model, modelDir);
    const { results } = await c.classify({ texts: ['The soup was warm.'] });
    assert.equal(results.length, 1);
  } finally {
    await c.dispose();
  }
});

test('after a failed hub download, choosing a local model is ready with no error left behind', async () => {
  const seen = { states: [] as [ClientState, string | undefined][], models: [] as ModelInfo[] };
  const c = client(await standInHub('fail'), seen);
  try {
    await c.load({ model: modelDir, device: 'cpu' });
    await assert.rejects(c.load({ model: 'org/broken', device: 'cpu' }), (e: unknown) => e instanceof ClientError && e.code !== 'CANCELLED');
    assert.equal(seen.states.at(-1)![0], 'error');
    // Back to the model the server still holds: no reload, but the state and model say so.
    const info = await c.load({ model: modelDir, device: 'cpu' });
    assert.equal(info.model, modelDir);
    assert.deepEqual(seen.states.at(-1), ['ready', undefined]);
    assert.deepEqual(seen.models.map((m) => m.model), [modelDir, modelDir]);
    assert.equal(c.model?.model, modelDir);
  } finally {
    await c.dispose();
  }
});
