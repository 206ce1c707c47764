/**
 * What the training panel costs, measured against its baselines in the same run:
 *   (a) training speed: a run started from the panel in a real VS Code (code-server 4.96 and
 *       chromium, the packaged .vsix, the panel open and drawing its charts) against the CLI
 *       (`sentence-lens train`) on the same data and options, alternating; the engine's own
 *       elapsed time for each (train() start to end), as a ratio (target ≥ 0.95);
 *   (b) panel open to interactive: palette keybinding keydown → the panel's Start button enabled
 *       (CSV read, columns guessed, model pictured, options checked), first open and reopened;
 *   (c) Classify latency while a run trains against idle: the model server and a trainer process
 *       as the extension runs them (ServerClient, RunManager), one sentence per request.
 * `npm run bench:panel` (packages first). Figures from a shared machine are noisy: re-run on a
 * quiet one; the machine line is printed with them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { RunManager } from '../src/extension/training/run-manager.js';
import { ServerClient } from '../src/extension/server-client.js';
import { parseEventLines } from '../src/runs/run-folder.js';
import { type CodeServer, startCodeServer } from '../test/e2e/harness.js';
import { describeMachine } from './machine.js';

const MODEL = resolve('models/offline');
const ROWS = 300;
const STEPS = 60;
const BATCH = 16;
// Alternating CLI and panel runs; BENCH_ROUNDS raises it on a noisy machine.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const OPENS = 4;
const CLASSIFY = 30;
const KEY_PANEL = 'Control+Alt+T';

const pct = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const median = (xs: readonly number[]): number => pct(xs, 50);
const ms = (x: number): string => `${x.toFixed(0)} ms`;

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs: number, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const temp = mkdtempSync(join(tmpdir(), 'sl-bench-panel-'));
const workspace = join(temp, 'workspace');
const userDataDir = join(temp, 'user-data');
mkdirSync(join(userDataDir, 'User'), { recursive: true });
mkdirSync(workspace, { recursive: true });
const csvLines = readFileSync('models/sentences.csv', 'utf8').split('\n');
const csv = join(workspace, 'data.csv');
writeFileSync(csv, `${csvLines.slice(0, ROWS + 1).join('\n')}\n`);
writeFileSync(join(userDataDir, 'User', 'keybindings.json'), JSON.stringify([{ key: 'ctrl+alt+t', command: 'sentenceLens.openTrainingPanel' }]));

console.log(`machine: ${describeMachine()}`);
console.log(`model: bundled offline model (${MODEL}), cpu; data: first ${ROWS} rows of models/sentences.csv (topic, sentiment); ${STEPS} steps × batch ${BATCH}, full fine-tune, engine defaults otherwise`);
const rows: [string, string, string][] = [];

/** The CLI on the same data and options; the engine's elapsed seconds from its JSON summary. */
function cliRun(out: string): number {
  const stdout = execFileSync(process.execPath, ['dist/cli.js', 'train', csv, '--model', MODEL, '--out', out, '--max-steps', String(STEPS), '--batch-size', String(BATCH), '--device', 'cpu', '--freeze', 'none'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(stdout) as { elapsedSeconds: number }).elapsedSeconds;
}

async function startEnabled(wv: FrameLocator): Promise<boolean> {
  return (await wv.locator('#start:not([disabled])').count().catch(() => 0)) > 0;
}

/** Keydown of the keybinding → Start enabled in the panel, polled every 20 ms. */
async function openToInteractive(cs: CodeServer): Promise<number> {
  const t0 = performance.now();
  await cs.page.keyboard.press(KEY_PANEL);
  const wv = cs.webview();
  await until(async () => ((await startEnabled(wv)) ? true : undefined), 'Start enabled', 120_000);
  return performance.now() - t0;
}

/** One run from the panel: set steps and batch, Start, wait for the end; the engine's elapsed seconds. */
async function panelRun(wv: FrameLocator): Promise<number> {
  await wv.locator('vscode-radio[value="none"]').click();
  await wv.locator('#f-maxSteps input').fill(String(STEPS));
  await wv.locator('#f-batchSize input').fill(String(BATCH));
  await until(async () => ((await startEnabled(wv)) ? true : undefined), 'Start enabled', 60_000);
  // The panel still shows the previous run (completed) until the new one starts: wait for the new id.
  const before = (await wv.locator('#run-id').count()) > 0 ? (await wv.locator('#run-id').innerText()).trim() : undefined;
  await wv.locator('#start').click();
  const id = await until(async () => {
    const shown = (await wv.locator('#run-id').count()) > 0 ? (await wv.locator('#run-id').innerText()).trim() : undefined;
    return shown && shown !== before && (await wv.locator('#progress[data-state="completed"]').count()) > 0 ? shown : undefined;
  }, 'the panel run to complete', 900_000, 1000);
  const entries = parseEventLines(readFileSync(join(workspace, '.sentence-lens', 'runs', id, 'events.jsonl'), 'utf8'));
  const ended = entries.find((e) => e.event.type === 'ended')!.event;
  if (ended.type !== 'ended') throw new Error(`run ${id} logged no end`);
  return ended.elapsedSeconds;
}

async function vscodePart(): Promise<void> {
  const cs = await startCodeServer({ workspace, userDataDir, vsix: resolve('dist/sentence-lens-linux-x64.vsix'), settings: { 'sentenceLens.device': 'cpu' } });
  try {
    const opens: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      opens.push(await openToInteractive(cs));
      if (i < OPENS - 1) await cs.runCommand('View: Close Editor');
    }
    console.log(`\n(b) open → Start enabled: ${opens.map((x) => x.toFixed(0)).join(', ')} ms (the first includes activating the extension)`);
    rows.push(['panel open → interactive, first (activates the extension)', ms(opens[0]!), 'keydown → Start enabled; 20 ms polling']);
    rows.push([`panel open → interactive, reopened (median of ${OPENS - 1})`, ms(median(opens.slice(1))), `min ${ms(Math.min(...opens.slice(1)))}, max ${ms(Math.max(...opens.slice(1)))}`]);

    const wv = cs.webview();
    const panel: number[] = [];
    const cli: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      cli.push(cliRun(join(temp, `cli-${r}`)));
      panel.push(await panelRun(wv));
      console.log(`    round ${r + 1}: CLI ${cli.at(-1)!.toFixed(2)} s, panel ${panel.at(-1)!.toFixed(2)} s`);
    }
    await cs.screenshot('bench-panel');
    const ratio = median(cli) / median(panel);
    console.log(`\n(a) training ${STEPS} steps: CLI ${cli.map((x) => x.toFixed(2)).join(', ')} s; panel ${panel.map((x) => x.toFixed(2)).join(', ')} s`);
    rows.push([`training speed from the panel vs the CLI (${STEPS} steps × ${BATCH}, full fine-tune)`, `${ratio.toFixed(2)}×`, `CLI ${median(cli).toFixed(2)} s, panel ${median(panel).toFixed(2)} s (medians of ${ROUNDS}, alternating); target ≥ 0.95×`]);
  } finally {
    await cs.close();
  }
}

async function classifyPart(): Promise<void> {
  const sentences = (await readBundledSentences()).slice(0, CLASSIFY + 1);
  const server = new ServerClient({ serverPath: resolve('dist/server.js'), log: () => {} });
  const runs = new RunManager({ trainerPath: resolve('dist/trainer.js'), log: () => {} });
  try {
    await server.load({ model: MODEL, device: 'cpu' });
    await server.classify({ texts: [sentences[0]!] });
    const time = async (): Promise<number[]> => {
      const out: number[] = [];
      for (const s of sentences.slice(1)) {
        const t0 = performance.now();
        await server.classify({ texts: [s] });
        out.push(performance.now() - t0);
      }
      return out;
    };
    const idle = await time();
    const run = await runs.start(join(temp, 'runs'), { csv, model: MODEL, device: 'cpu', maxSteps: 100_000, batchSize: BATCH }, {});
    await until(() => (runs.progress().some((p) => p.dir === run.dir && p.phase === 'training' && p.step > 0) ? true : undefined), 'training steps', 300_000, 100);
    const busy = await time();
    await runs.stop(run.dir);
    console.log(`\n(c) classify one sentence: idle ${idle.map((x) => x.toFixed(0)).join(', ')} ms\n    while training: ${busy.map((x) => x.toFixed(0)).join(', ')} ms`);
    rows.push([`Classify (one sentence over IPC), idle, p50 / p95 of ${CLASSIFY}`, `${ms(median(idle))} / ${ms(pct(idle, 95))}`, 'model server process, offline model']);
    rows.push([`Classify while a run trains, p50 / p95 of ${CLASSIFY}`, `${ms(median(busy))} / ${ms(pct(busy, 95))}`, `${(median(busy) / median(idle)).toFixed(2)}× idle (p50); trainer in its own process, full fine-tune`]);
  } finally {
    runs.dispose();
    await server.dispose();
  }
}

try {
  await classifyPart();
  await vscodePart();
} finally {
  rmSync(temp, { recursive: true, force: true });
}
console.log('\n| measure | value | notes |\n|---|---|---|');
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
