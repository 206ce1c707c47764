import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';

import { scanCacheDir } from '@huggingface/hub';

import { SentenceLensError } from '../../src/engine/errors.js';
import { downloadModel, isLocalModelPath, resolveModel, type DownloadProgress } from '../../src/engine/hub.js';
import { LocalHub, startLocalHub } from '../support/local-hub.js';

const root = mkdtempSync(join(tmpdir(), 'sl-hub-test-'));
const TOKEN = 'hf_secret_for_tests';

function fakeModel(name: string, opts: { safetensors?: boolean; bin?: boolean } = {}): string {
  const dir = join(root, 'models', name);
  mkdirSync(join(dir, '1_Pooling'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 32, num_hidden_layers: 2, vocab_size: 100 }));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'WordPiece', vocab: { '[PAD]': 0 } } }));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true }));
  writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ pooling_mode_mean_tokens: true }));
  // Deterministic pseudo-random bytes: compressible data would hide transfer bugs less well.
  const weights = Buffer.alloc(64 * 1024);
  let x = 12345;
  for (let i = 0; i < weights.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    weights[i] = x >>> 24;
  }
  if (opts.safetensors !== false) writeFileSync(join(dir, 'model.safetensors'), weights);
  if (opts.bin) writeFileSync(join(dir, 'pytorch_model.bin'), weights);
  return dir;
}

const modelDir = fakeModel('tiny');
const weights = readFileSync(join(modelDir, 'model.safetensors'));
const weightsSha = createHash('sha256').update(weights).digest('hex');

let hub: LocalHub;
let cdnHub: LocalHub;
let home: string;

function env(extra: NodeJS.ProcessEnv = {}, h: LocalHub = hub): NodeJS.ProcessEnv {
  return { HF_HOME: home, HF_ENDPOINT: h.endpoint, ...extra };
}

function repoDir(id = 'org/tiny'): string {
  return join(home, 'hub', `models--${id.replace('/', '--')}`);
}

async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<SentenceLensError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SentenceLensError, `expected SentenceLensError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

/** GETs that carried `file`'s bytes (redirects from /resolve/ to /lfs/ are not counted). */
const gets = (h: LocalHub, file: string) =>
  h.requests.filter(
    (r) =>
      r.method === 'GET' &&
      r.status !== 302 &&
      (r.path.endsWith(`/${file}`) || (file === 'model.safetensors' && r.path === `/lfs/${weightsSha}`)),
  );

before(async () => {
  hub = await startLocalHub(
    {
      'org/tiny': { dir: modelDir },
      'org/gated': { dir: modelDir, gated: true },
      'org/private': { dir: modelDir, private: true },
      'org/legacy': { dir: fakeModel('legacy', { safetensors: false, bin: true }) },
    },
    { token: TOKEN },
  );
  cdnHub = await startLocalHub({ 'org/gated': { dir: modelDir, gated: true } }, { token: TOKEN, separateCdn: true });
});

after(async () => {
  await hub.close();
  await cdnHub.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  home = mkdtempSync(join(root, 'home-'));
  hub.clearLog();
  cdnHub.clearLog();
});

describe('downloadModel', () => {
  test('fresh download: snapshot files, blobs/refs/symlink layout, monotone progress', async () => {
    const events: DownloadProgress[] = [];
    const got = await downloadModel('org/tiny', { env: env(), onProgress: (e) => events.push(e) });
    const commit = hub.commitOf('org/tiny');

    assert.equal(got.commit, commit);
    assert.equal(got.revision, 'main');
    assert.equal(got.modelId, 'org/tiny');
    assert.equal(got.dir, join(repoDir(), 'snapshots', commit));
    assert.deepEqual(
      [...got.files].sort(),
      ['1_Pooling/config.json', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'],
    );
    assert.equal(readFileSync(join(repoDir(), 'refs', 'main'), 'utf8'), commit);
    for (const f of got.files) {
      const p = join(got.dir, f);
      assert.ok(lstatSync(p).isSymbolicLink(), `${f} is a symlink`);
      const target = readlinkSync(p);
      assert.ok(!target.startsWith('/'), `${f} links relatively (${target})`);
      assert.match(target, f.includes('/') ? /^\.\.\/\.\.\/\.\.\/blobs\// : /^\.\.\/\.\.\/blobs\//);
      assert.deepEqual(readFileSync(p), readFileSync(join(modelDir, f)));
    }
    assert.equal(readlinkSync(join(got.dir, 'model.safetensors')), `../../blobs/${weightsSha}`);
    assert.ok(!readdirSync(join(repoDir(), 'blobs')).some((b) => b.endsWith('.incomplete')));
    // Absent optional files are remembered per commit, as huggingface_hub does.
    assert.ok(existsSync(join(repoDir(), '.no_exist', commit, 'vocab.txt')));

    const w = events.filter((e) => e.file === 'model.safetensors');
    assert.ok(w.length >= 2);
    for (let i = 1; i < w.length; i++) assert.ok(w[i]!.bytesDone >= w[i - 1]!.bytesDone, 'monotone');
    assert.ok(w.every((e) => e.bytesTotal === weights.length));
    assert.equal(w.at(-1)!.bytesDone, weights.length);
  });

  test("the official JS client's cache scanner reads our cache as its own", async () => {
    const got = await downloadModel('org/tiny', { env: env() });
    const info = await scanCacheDir(join(home, 'hub'));
    assert.deepEqual(info.warnings, []);
    assert.equal(info.repos.length, 1);
    const repo = info.repos[0]!;
    assert.equal(repo.id.name, 'org/tiny');
    assert.equal(repo.id.type, 'model');
    assert.equal(repo.revisions.length, 1);
    assert.equal(repo.revisions[0]!.commitOid, got.commit);
    assert.deepEqual(repo.revisions[0]!.refs, ['main']);
    // Its scanner skips subfolders (Python's recurses), so compare the top level only.
    assert.equal(repo.revisions[0]!.files.length, got.files.filter((f) => !f.includes('/')).length);
  });

  test('second call uses the cache: one HEAD (to learn the commit of main), no GET', async () => {
    const first = await downloadModel('org/tiny', { env: env() });
    hub.clearLog();
    const second = await downloadModel('org/tiny', { env: env() });
    assert.deepEqual(second, first);
    assert.deepEqual(
      hub.requests.map((r) => `${r.method} ${r.path}`),
      ['HEAD /org/tiny/resolve/main/config.json'],
    );
  });

  test('a commit sha as revision, once cached, needs no request', async () => {
    const commit = hub.commitOf('org/tiny');
    await downloadModel('org/tiny', { env: env(), revision: commit });
    assert.ok(!existsSync(join(repoDir(), 'refs', commit)), 'no ref for a commit sha');
    hub.clearLog();
    const again = await downloadModel('org/tiny', { env: env(), revision: commit });
    assert.equal(again.commit, commit);
    assert.equal(hub.requests.length, 0);
  });

  test('HF_HUB_OFFLINE=1 loads a cached model with zero requests', async () => {
    const first = await downloadModel('org/tiny', { env: env() });
    hub.clearLog();
    const offline = await downloadModel('org/tiny', { env: env({ HF_HUB_OFFLINE: '1' }) });
    assert.deepEqual(offline, first);
    assert.equal(hub.requests.length, 0);
    const viaTrue = await downloadModel('org/tiny', { env: env({ HF_HUB_OFFLINE: 'true' }) });
    assert.equal(viaTrue.dir, first.dir);
    assert.equal(hub.requests.length, 0);
  });

  test('offline and uncached → OFFLINE saying what to do', async () => {
    const err = await rejectsWith(downloadModel('org/tiny', { env: env({ HF_HUB_OFFLINE: '1' }) }), 'OFFLINE');
    assert.match(err.message, /HF_HUB_OFFLINE/);
    assert.match(err.message, /connect/i);
    assert.match(err.message, /local folder/);
    assert.match(err.message, /sentence-lens download org\/tiny/);
    assert.equal(hub.requests.length, 0);
  });

  test('unreachable hub: cached model loads, uncached one is OFFLINE', async () => {
    const dead = await startLocalHub({});
    const deadEndpoint = dead.endpoint;
    await dead.close(); // nothing listens on that port any more
    await rejectsWith(downloadModel('org/tiny', { env: env({ HF_ENDPOINT: deadEndpoint }) }), 'OFFLINE', /cannot reach/);

    const first = await downloadModel('org/tiny', { env: env() });
    const fallback = await downloadModel('org/tiny', { env: env({ HF_ENDPOINT: deadEndpoint }) });
    assert.deepEqual(fallback, first);
  });

  test('a dropped connection mid-file is resumed with Range within the call', async () => {
    hub.cutAfterBytes('model.safetensors', 20_000);
    const got = await downloadModel('org/tiny', { env: env() });
    assert.deepEqual(readFileSync(join(got.dir, 'model.safetensors')), weights);
    const g = gets(hub, 'model.safetensors');
    assert.equal(g.length, 2);
    assert.equal(g[0]!.range, undefined);
    assert.equal(g[1]!.range, 'bytes=20000-');
    assert.equal(g[1]!.status, 206);
  });

  test('a call that gives up leaves .incomplete; the next call resumes it with Range', async () => {
    hub.cutAfterBytes('model.safetensors', 10_000, 3); // more drops than one call retries
    await rejectsWith(downloadModel('org/tiny', { env: env() }), 'NETWORK', /interrupted/);
    const partial = join(repoDir(), 'blobs', `${weightsSha}.incomplete`);
    assert.equal(lstatSync(partial).size, 30_000);
    assert.ok(!existsSync(join(repoDir(), 'refs', 'main')), 'ref written only when complete');

    hub.clearLog();
    const got = await downloadModel('org/tiny', { env: env() });
    const g = gets(hub, 'model.safetensors');
    assert.equal(g.length, 1);
    assert.equal(g[0]!.range, 'bytes=30000-');
    assert.deepEqual(readFileSync(join(got.dir, 'model.safetensors')), weights);
    assert.ok(!existsSync(partial));
  });

  test('checksum mismatch → CHECKSUM, and the bad bytes are not kept anywhere', async () => {
    hub.corrupt('model.safetensors');
    try {
      await rejectsWith(downloadModel('org/tiny', { env: env() }), 'CHECKSUM', /sha256/);
    } finally {
      hub.corrupt('model.safetensors', false);
    }
    const blobs = readdirSync(join(repoDir(), 'blobs'));
    assert.ok(!blobs.some((b) => b.startsWith(weightsSha)), `blobs: ${blobs.join(', ')}`);
    assert.ok(!existsSync(join(repoDir(), 'snapshots', hub.commitOf('org/tiny'), 'model.safetensors')));
    assert.ok(!existsSync(join(repoDir(), 'refs', 'main')));
    // Nothing usable was cached, so offline must not pretend otherwise.
    await rejectsWith(downloadModel('org/tiny', { env: env({ HF_HUB_OFFLINE: '1' }) }), 'OFFLINE');

    const got = await downloadModel('org/tiny', { env: env() });
    assert.deepEqual(readFileSync(join(got.dir, 'model.safetensors')), weights);
  });

  test('unknown model: the hub answers an anonymous client 401 RepoNotFound → NOT_FOUND "not found (or private: set HF_TOKEN)"; unknown revision → NOT_FOUND', async () => {
    await rejectsWith(downloadModel('org/nope', { env: env() }), 'NOT_FOUND', new RegExp(`model org/nope not found on ${hub.endpoint} \\(or private: set HF_TOKEN\\); check the id`));
    const refusal = hub.requests.find((r) => r.path.startsWith('/org/nope/'));
    assert.equal(refusal?.status, 401, 'the local hub answers as huggingface.co does: 401, not 404');
    await rejectsWith(downloadModel('org/nope', { env: env({ HF_TOKEN: TOKEN }) }), 'NOT_FOUND', /not found .*\(or HF_TOKEN has no access to it\)/);
    await rejectsWith(downloadModel('org/tiny', { env: env(), revision: 'v9' }), 'NOT_FOUND', /revision "v9"/);
  });

  test('private model: anonymous or with another token it is "not found (or private)"; with its token it downloads', async () => {
    await rejectsWith(downloadModel('org/private', { env: env() }), 'NOT_FOUND', /org\/private not found .*\(or private: set HF_TOKEN\)/);
    await rejectsWith(downloadModel('org/private', { env: env({ HF_TOKEN: 'hf_wrong' }) }), 'NOT_FOUND', /no access/);
    const got = await downloadModel('org/private', { env: env({ HF_TOKEN: TOKEN }) });
    assert.deepEqual(readFileSync(join(got.dir, 'model.safetensors')), weights);
  });

  test('gated (401/403 GatedRepo): no token or a wrong one → UNAUTHORIZED "gated: accept its terms"; HF_TOKEN → succeeds', async () => {
    const anonymous = await rejectsWith(downloadModel('org/gated', { env: env() }), 'UNAUTHORIZED', /org\/gated is gated: accept its terms on .*\/org\/gated and set HF_TOKEN/);
    assert.doesNotMatch(anonymous.message, /not found/);
    await rejectsWith(downloadModel('org/gated', { env: env({ HF_TOKEN: 'hf_wrong' }) }), 'UNAUTHORIZED', /gated: accept its terms .* with the account of HF_TOKEN \(HTTP 403\)/);
    const got = await downloadModel('org/gated', { env: env({ HF_TOKEN: TOKEN }) });
    assert.deepEqual(readFileSync(join(got.dir, 'model.safetensors')), weights);
    assert.ok(hub.requests.filter((r) => r.status < 400).every((r) => r.authorization === `Bearer ${TOKEN}`));
  });

  test('the token is read from $HF_HOME/token too (where `huggingface-cli login` puts it)', async () => {
    writeFileSync(join(home, 'token'), `${TOKEN}\n`);
    const got = await downloadModel('org/gated', { env: env() });
    assert.equal(got.commit, hub.commitOf('org/gated'));
  });

  test('Authorization is not sent to a CDN on another origin', async () => {
    await downloadModel('org/gated', { env: env({ HF_TOKEN: TOKEN }, cdnHub) });
    const cdn = cdnHub.requests.filter((r) => r.origin === 'cdn');
    assert.equal(cdn.length, 1);
    assert.equal(cdn[0]!.authorization, undefined);
    assert.ok(cdnHub.requests.filter((r) => r.origin === 'hub').every((r) => r.authorization === `Bearer ${TOKEN}`));
  });

  test('only pytorch_model.bin → UNSUPPORTED, explaining safetensors and how to convert', async () => {
    const err = await rejectsWith(downloadModel('org/legacy', { env: env() }), 'UNSUPPORTED', /model\.safetensors/);
    assert.match(err.message, /safe_serialization=True/);
    assert.match(err.message, /from_pretrained\('org\/legacy'\)/);
    assert.equal(gets(hub, 'pytorch_model.bin').length, 0, 'nothing big downloaded for a model we cannot use');
  });

  test('two concurrent calls share one transfer', async () => {
    const a: DownloadProgress[] = [];
    const b: DownloadProgress[] = [];
    const [x, y] = await Promise.all([
      downloadModel('org/tiny', { env: env(), onProgress: (e) => a.push(e) }),
      downloadModel('org/tiny', { env: env(), onProgress: (e) => b.push(e) }),
    ]);
    assert.deepEqual(x, y);
    assert.equal(gets(hub, 'model.safetensors').length, 1);
    assert.equal(hub.requests.filter((r) => r.method === 'HEAD' && r.path === '/org/tiny/resolve/main/config.json').length, 1);
    assert.equal(a.at(-1)?.bytesDone, b.at(-1)?.bytesDone, 'both callers see progress');
  });

  test('abort → CANCELLED; the partial file is resumed by the next call', async () => {
    hub.slow('model.safetensors', 25);
    const ac = new AbortController();
    try {
      const p = downloadModel('org/tiny', {
        env: env(),
        signal: ac.signal,
        onProgress: (e) => {
          if (e.file === 'model.safetensors' && e.bytesDone > 0) ac.abort();
        },
      });
      await rejectsWith(p, 'CANCELLED');
    } finally {
      hub.slow('model.safetensors', 0);
    }
    await rejectsWith(downloadModel('org/tiny', { env: env(), signal: AbortSignal.abort() }), 'CANCELLED');

    hub.clearLog();
    const got = await downloadModel('org/tiny', { env: env() });
    assert.deepEqual(readFileSync(join(got.dir, 'model.safetensors')), weights);
    assert.match(gets(hub, 'model.safetensors')[0]?.range ?? '', /^bytes=\d+-$/);
  });

  test('one caller aborting does not cancel a download another caller still waits for', async () => {
    hub.slow('model.safetensors', 2);
    const ac = new AbortController();
    try {
      // The first caller leaves once the shared download has begun moving bytes.
      const leaving = downloadModel('org/tiny', {
        env: env(),
        signal: ac.signal,
        onProgress: (e) => e.file === 'model.safetensors' && e.bytesDone > 0 && ac.abort(),
      });
      const staying = downloadModel('org/tiny', { env: env() });
      await rejectsWith(leaving, 'CANCELLED');
      const got = await staying;
      assert.deepEqual(readFileSync(join(got.dir, 'model.safetensors')), weights);
    } finally {
      hub.slow('model.safetensors', 0);
    }
  });

  test('HF_HUB_CACHE overrides HF_HOME', async () => {
    const cache = join(home, 'elsewhere');
    const got = await downloadModel('org/tiny', { env: env({ HF_HUB_CACHE: cache }) });
    assert.ok(got.dir.startsWith(join(cache, 'models--org--tiny', 'snapshots')));
  });

  test('bad ids and revisions are refused before any request', async () => {
    await rejectsWith(downloadModel('org/../../etc', { env: env() }), 'BAD_ARGUMENT');
    await rejectsWith(downloadModel('org/tiny', { env: env(), revision: '../../x' }), 'BAD_ARGUMENT');
    assert.equal(hub.requests.length, 0);
  });
});

describe('resolveModel / isLocalModelPath', () => {
  test('a local folder is returned as-is, with no request', async () => {
    const got = await resolveModel(modelDir, { env: env() });
    assert.equal(got.dir, modelDir);
    assert.equal(got.commit, '');
    assert.ok(got.files.includes('model.safetensors'));
    assert.equal(hub.requests.length, 0);
  });

  test('a hub id is downloaded', async () => {
    const got = await resolveModel('org/tiny', { env: env() });
    assert.equal(got.commit, hub.commitOf('org/tiny'));
  });

  test('a path that does not exist is MISSING_FILE, not a hub lookup', async () => {
    await rejectsWith(resolveModel(join(root, 'no-such-model'), { env: env() }), 'MISSING_FILE');
    await rejectsWith(resolveModel('./no-such-model', { env: env() }), 'MISSING_FILE');
    assert.equal(hub.requests.length, 0);
  });

  test('isLocalModelPath', () => {
    assert.equal(isLocalModelPath(modelDir), true);
    assert.equal(isLocalModelPath('./x'), true);
    assert.equal(isLocalModelPath('~/models/x'), true);
    assert.equal(isLocalModelPath('C:\\models\\x'), true);
    assert.equal(isLocalModelPath('sentence-transformers/all-MiniLM-L6-v2'), false);
    assert.equal(isLocalModelPath('bert-base-cased'), false);
  });
});
