/**
 * Training runs in their own trainer processes (dist/trainer.js), as the extension drives them
 * through RunManager: the run folder and its event log, Stop within a step with `last` saved,
 * Resume, re-attaching from the log in a new window, a run that outlives the window, and a data
 * error reported with its line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RunManager } from '../../src/extension/training/run-manager.js';
import { readEvents, readRunMeta, type RunLogEntry } from '../../src/runs/run-folder.js';
import { makeTestModel, tempDir } from '../support/model-folder.js';

const TRAINER = resolve('dist/trainer.js');
const root = new URL('../../', import.meta.url).pathname;
const dir = await tempDir('sl-runs-');
const model = join(dir, 'model');
await makeTestModel(model);
const csv = join(dir, 'data.csv');
await writeFile(csv, (await readFile(join(root, 'models/sentences.csv'), 'utf8')).split('\n').slice(0, 121).join('\n') + '\n');
const runsDir = join(dir, 'runs');

const manager = (log: string[] = []) => new RunManager({ trainerPath: TRAINER, log: (l) => log.push(l), pollMs: 100 });
const options = (steps: number) => ({ csv, model, device: 'cpu' as const, maxSteps: steps, batchSize: 8, lr: 1e-3, seed: 5, valSplit: 0.2 });

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function collect(m: RunManager, runDir: string) {
  const seen: RunLogEntry[] = [];
  let resets = 0;
  const sub = m.watch(runDir, (entries, reset) => {
    if (reset) {
      resets++;
      seen.length = 0;
    }
    seen.push(...entries);
  });
  return { seen, resets: () => resets, sub };
}

const types = (entries: readonly RunLogEntry[]) => entries.map((e) => e.event.type);

test('Stop ends a run within a step and saves last; Resume finishes it; a new window redraws the whole history', async () => {
  const m = manager();
  const { dir: runDir } = await m.start(runsDir, options(400), { freeze: 'none' });
  const live = collect(m, runDir);
  await live.sub;
  const stepAtStop = await until('training steps', () => {
    const p = live.seen.findLast((e) => e.event.type === 'progress' && e.event.phase === 'training');
    return p && p.event.type === 'progress' && p.event.step >= 1 ? p.event.step : undefined;
  });
  await m.stop(runDir);
  const stopped = await readRunMeta(runDir);
  assert.equal(stopped?.status, 'cancelled');
  assert.equal(stopped?.pid, null);
  assert.ok(stopped!.step >= stepAtStop && stopped!.step < 400, `stopped at step ${stopped!.step} (asked at ${stepAtStop})`);
  assert.ok(existsSync(join(runDir, 'last', 'training_state.json')), 'last checkpoint with training state');
  await until('the end in the live view', () => types(live.seen).includes('ended') || undefined);
  const ended = live.seen.find((e) => e.event.type === 'ended')!.event;
  assert.deepEqual(ended.type === 'ended' && [ended.status, ended.step], ['cancelled', stopped!.step]);

  // Another window (a reload): the whole history, in order, from the log alone.
  const other = manager();
  const again = collect(other, runDir);
  await again.sub;
  assert.equal(again.resets(), 1);
  assert.deepEqual(again.seen.map((e) => e.seq), live.seen.map((e) => e.seq));
  assert.deepEqual(again.seen.map((e) => e.seq), again.seen.map((_, i) => i));

  await other.resume(runDir);
  await until('the resumed run to end', async () => ((await readRunMeta(runDir))?.status === 'completed' ? true : undefined));
  await until('the resumed end in the view', () => types(again.seen).filter((t) => t === 'ended').length === 2 || undefined);
  const { entries } = await readEvents(runDir);
  assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i), 'one sequence across the resume');
  assert.deepEqual(again.seen.map((e) => e.seq), entries.map((e) => e.seq), 'the view got every entry once');
  const starts = entries.filter((e) => e.event.type === 'started').map((e) => e.event.type === 'started' && e.event.resumed);
  assert.deepEqual(starts, [false, true]);
  const done = await readRunMeta(runDir);
  assert.equal(done?.step, 400);
  assert.ok(Object.keys(done!.best).length === 2 && done!.bestLoss !== null, 'best metrics per task');
  m.dispose();
  other.dispose();
});

test('a run outlives the window that started it, and another window can stop it through its folder', async () => {
  const first = manager();
  const { dir: runDir } = await first.start(runsDir, options(100_000), { freeze: 'backbone' });
  const pid = (await readRunMeta(runDir))!.pid!;
  // The window goes away (reload): the trainer is let go, not ended.
  first.dispose();
  const second = manager();
  await second.attachRunning(runsDir);
  await until('progress seen by the new window', () => (second.progress().some((p) => p.dir === runDir && p.step > 0) ? true : undefined));
  assert.doesNotThrow(() => process.kill(pid, 0), 'the trainer still runs');
  await second.stop(runDir);
  const meta = await readRunMeta(runDir);
  assert.equal(meta?.status, 'cancelled');
  assert.ok(existsSync(join(runDir, 'last', 'tasks.json')));
  await until('the trainer to exit', () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
  second.dispose();
});

test('a malformed CSV fails the run with the line it is on', async () => {
  const bad = join(dir, 'bad.csv');
  await writeFile(bad, 'sentence,topic,sentiment\nA fine day.,food,positive\nTwo fields only,food\nMore text.,sports,negative\n');
  const m = manager();
  const { dir: runDir } = await m.start(runsDir, { ...options(10), csv: bad }, {});
  await until('the run to fail', async () => ((await readRunMeta(runDir))?.status === 'failed' ? true : undefined));
  const failed = (await readEvents(runDir)).entries.find((e) => e.event.type === 'failed')!.event;
  assert.ok(failed.type === 'failed');
  assert.deepEqual(failed.location, { file: bad, line: 3, column: 3 });
  assert.match(failed.message, /bad\.csv:3:3: found 2 fields, expected 3/);
  m.dispose();
});
