/**
 * The editor benchmark in a real VS Code: the packaged extension (dist/sentence-lens-linux-x64.vsix)
 * in code-server 4.96 driven by chromium (test/e2e/harness.ts), with the bundled offline model
 * (models/offline, the default of sentenceLens.model) on the CPU:
 *   (a) activation: from the first Sentence Lens command (a keybinding's keydown in the page) to the
 *       extension active (its status bar item appears) and the model ready (the item shows ✓), and
 *       to the first decoration; with the extension's own log lines for the breakdown;
 *   (b) Classify Sentence: keydown of a user keybinding → the new line's decoration painted, p50/p95
 *       over 20 lines (the keybinding avoids timing the command palette UI);
 *   (c) Annotate Document on a 2,000-sentence file: the extension's own "annotated N sentences in
 *       X ms (inference Y ms)" log line (command handler → last decorations set), against the
 *       engine's pure inference for the same sentences in-process, as an overhead ratio.
 * `npm run bench:editor:vscode` (packages first).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SentenceModel } from '../src/engine/inference.js';
import { readBundledSentences } from '../src/engine/model/generate.js';
import { documentSentences } from '../src/text/sentences.js';
import { type CodeServer, startCodeServer } from '../test/e2e/harness.js';
import { describeMachine } from './machine.js';

const CLASSIFY_RUNS = 20;
const ANNOTATE_SENTENCES = 2000;
const ANNOTATE_RUNS = 3;
const KEY_CLASSIFY = 'Control+Alt+K';
const KEY_ANNOTATE = 'Control+Alt+J';
const KEY_CLEAR = 'Control+Alt+L';
const MODEL_DIR = resolve('models/offline');
/** The model server's "ready: MODEL on DEVICE in N ms" line, as the extension logs it ("[server PID] ready: …"). */
const READY = /(?:^|\] )ready: /;

const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const median = (xs: readonly number[]): number => pct(xs, 50);
const f = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(0)} ms`);

/** Log lines "YYYY-MM-DD HH:MM:SS.mmm [level] text" of the files under `dir` whose path matches. */
function logLines(dir: string, pathMatch: RegExp): { t: number; text: string }[] {
  const out: { t: number; text: string }[] = [];
  const walk = (d: string): void => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (pathMatch.test(p) && p.endsWith('.log')) {
        for (const line of readFileSync(p, 'utf8').split('\n')) {
          const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) \[\w+\] (.*)$/.exec(line);
          if (m) out.push({ t: new Date(`${m[1]}T${m[2]}`).getTime(), text: m[3]! });
        }
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.t - b.t);
}

function sentenceLensLog(cs: CodeServer): { t: number; text: string }[] {
  return logLines(join(cs.userDataDir, 'logs'), /Sentence Lens\.log$/);
}

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Page-side probe: records the keydown of the next key press (performance.now() and Date.now()),
 * then on every animation frame checks the status bar item and whether `line` has an after-text
 * decoration; resolves with the times of each milestone relative to the keydown.
 */
interface Milestones {
  keydownWall: number;
  itemMs?: number;
  readyMs?: number;
  decoMs?: number;
}

async function arm(cs: CodeServer, line: number, opts: { status: boolean }): Promise<void> {
  await cs.page.evaluate(
    ({ line, status }) => {
      const w = window as unknown as { __slProbe?: Promise<unknown> };
      const hasDeco = (): boolean => {
        const ed = document.querySelector('.editor-group-container.active .monaco-editor[data-uri]');
        if (!ed) return false;
        for (const n of ed.querySelectorAll<HTMLElement>('.margin-view-overlays .line-numbers')) {
          if (parseInt(n.textContent ?? '', 10) !== line) continue;
          const top = Math.round(parseFloat((n.parentElement as HTMLElement).style.top));
          for (const vl of ed.querySelectorAll<HTMLElement>('.view-lines .view-line')) {
            if (Math.round(parseFloat(vl.style.top)) !== top) continue;
            // Labels are inlay hints: text injected into the line in a generated dyn-rule-* span.
            for (const span of vl.querySelectorAll('span[class*="dyn-rule-"]')) {
              if ((span.textContent ?? '').trim()) return true;
            }
          }
        }
        return false;
      };
      w.__slProbe = new Promise((resolveProbe) => {
        const onKey = (): void => {
          window.removeEventListener('keydown', onKey, true);
          const t0 = performance.now();
          const res: Record<string, number> = { keydownWall: Date.now() };
          const frame = (): void => {
            const now = performance.now() - t0;
            if (status) {
              const item = document.querySelector('.part.statusbar [id*="sentenceLens.status" i]');
              if (item && res.itemMs === undefined) res.itemMs = now;
              if (item && res.readyMs === undefined && item.querySelector('.codicon-check') && !item.querySelector('.codicon-sync')) res.readyMs = now;
            }
            if (res.decoMs === undefined && hasDeco()) res.decoMs = now;
            if (res.decoMs !== undefined && (!status || res.readyMs !== undefined)) resolveProbe(res);
            else if (now > 300_000) resolveProbe(res);
            else requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        };
        window.addEventListener('keydown', onKey, true);
      });
    },
    { line, status: opts.status },
  );
}

async function probeResult(cs: CodeServer): Promise<Milestones> {
  return (await cs.page.evaluate(() => (window as unknown as { __slProbe: Promise<unknown> }).__slProbe)) as Milestones;
}

/** VS Code's own activation time for the extension, from Developer: Show Running Extensions. */
async function runningExtensionsActivation(cs: CodeServer): Promise<string | undefined> {
  try {
    await cs.runCommand('Developer: Show Running Extensions', 15_000);
    const row = cs.page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'Sentence Lens' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    await cs.screenshot('bench-running-extensions');
    console.log(`    Running Extensions row: ${text}`);
    return /(\d+)\s*ms/.exec(text)?.[0] ?? text;
  } catch {
    return undefined;
  }
}

const temp = mkdtempSync(join(tmpdir(), 'sl-bench-vscode-'));
const workspace = join(temp, 'workspace');
const userDataDir = join(temp, 'user-data');
mkdirSync(workspace, { recursive: true });
mkdirSync(join(userDataDir, 'User'), { recursive: true });

const bundled = await readBundledSentences();
// (b): distinct sentences, one per line, all visible in the editor.
writeFileSync(join(workspace, 'classify.txt'), `${bundled.slice(0, CLASSIFY_RUNS + 3).join('\n')}\n`);
// (c): 2,000 sentences from models/sentences.csv, one per line.
// Only rows the segmenter sees as one sentence, so the file has exactly ANNOTATE_SENTENCES.
const single = bundled.filter((b) => documentSentences(b, 'plaintext').length === 1);
const bigText = `${Array.from({ length: ANNOTATE_SENTENCES }, (_, i) => single[i % single.length]!).join('\n')}\n`;
writeFileSync(join(workspace, 'big.txt'), bigText);
const bigSentences = documentSentences(bigText, 'plaintext').map((s) => s.text);
writeFileSync(
  join(userDataDir, 'User', 'keybindings.json'),
  JSON.stringify([
    { key: 'ctrl+alt+k', command: 'sentenceLens.classifySentence', when: 'editorTextFocus' },
    { key: 'ctrl+alt+j', command: 'sentenceLens.annotateDocument', when: 'editorTextFocus' },
    { key: 'ctrl+alt+l', command: 'sentenceLens.clearAnnotations', when: 'editorTextFocus' },
  ]),
);

console.log(`machine: ${describeMachine()}`);
console.log(`VS Code: code-server 4.96.4 (VS Code 1.96) + headless chromium; extension: dist/sentence-lens-linux-x64.vsix`);
console.log(`model: bundled offline model (${MODEL_DIR}, the sentenceLens.model default), sentenceLens.device cpu, batch 32, maxLength 128`);

let cs: CodeServer | undefined;
const rows: [string, string, string][] = [];
let failed = false;
try {
  cs = await startCodeServer({
    workspace,
    userDataDir,
    vsix: resolve('dist/sentence-lens-linux-x64.vsix'),
    settings: { 'sentenceLens.device': 'cpu', 'sentenceLens.batchSize': 32, 'sentenceLens.maxLength': 128 },
  });
  await cs.openFile('classify.txt');

  // (a) activation: the first command of the session.
  await cs.setCursor(1, 1);
  const before = await cs.page.locator('.part.statusbar [id*="sentenceLens.status" i]').count();
  await arm(cs, 1, { status: true });
  await cs.page.keyboard.press(KEY_CLASSIFY);
  const first = await probeResult(cs);
  const log = await until(() => {
    const l = sentenceLensLog(cs!);
    return l.some((x) => READY.test(x.text)) ? l : undefined;
  }, 'the "ready:" line in the Sentence Lens log', 30_000);
  const exthost = logLines(join(cs.userDataDir, 'logs'), /exthost\.log$/);
  const doActivate = exthost.find((x) => /_doActivateExtension sentence-lens\.sentence-lens/i.test(x.text));
  const at = (re: RegExp): number | undefined => {
    const l = log.find((x) => re.test(x.text));
    return l ? l.t - first.keydownWall : undefined;
  };
  const activatedMs = at(/^activated \(/);
  const serverStartedMs = at(/^model server started/);
  const readyLine = log.find((x) => READY.test(x.text));
  const serverLoad = readyLine ? /in (\d+) ms/.exec(readyLine.text)?.[1] : undefined;
  console.log(`\n(a) first command → status bar item ${f(first.itemMs)}, model ready ${f(first.readyMs)}, first decoration ${f(first.decoMs)}${before ? ' (the item existed before the command!)' : ''}`);
  console.log(
    `    log (1 ms resolution, vs the keydown's wall clock): exthost _doActivateExtension ${doActivate ? f(doActivate.t - first.keydownWall) : 'n/a'}, activate() done ${f(activatedMs)}, model server started ${f(serverStartedMs)}, "${readyLine?.text ?? 'ready: n/a'}"`,
  );
  rows.push(['activation: command → extension active (status bar item)', f(first.itemMs), `log: activate() returned at ${f(activatedMs)}`]);
  rows.push(['activation: command → model ready (status bar ✓)', f(first.readyMs), `server start at ${f(serverStartedMs)}; server load ${serverLoad ?? '?'} ms`]);
  rows.push(['activation: command → first decoration', f(first.decoMs), 'includes the first classify']);

  // (b) Classify Sentence latency, lines 3..22 (line 2 warms up).
  const lat: number[] = [];
  for (let line = 2; line < CLASSIFY_RUNS + 3; line++) {
    await cs.setCursor(line, 1);
    await arm(cs, line, { status: false });
    await cs.page.keyboard.press(KEY_CLASSIFY);
    const r = await probeResult(cs);
    if (r.decoMs === undefined) throw new Error(`no decoration on line ${line}`);
    if (line >= 3) lat.push(r.decoMs);
  }
  await cs.screenshot('bench-classify');
  console.log(`\n(b) classify: ${lat.map((x) => x.toFixed(0)).join(', ')} ms`);
  rows.push([`Classify Sentence: keydown → decoration painted, p50 (${lat.length} lines)`, f(median(lat)), 'keybinding, not the palette']);
  rows.push([`Classify Sentence: keydown → decoration painted, p95 (${lat.length} lines)`, f(pct(lat, 95)), `min ${f(Math.min(...lat))}, max ${f(Math.max(...lat))}`]);

  const activation = await runningExtensionsActivation(cs);
  console.log(`    VS Code's Running Extensions view, Sentence Lens row: ${activation ?? 'n/a'}`);
  if (activation) rows.push(['VS Code "Running Extensions": activation', activation, 'VS Code\'s own figure (load + activate())']);

  // (c) Annotate Document on the 2,000-sentence file.
  await cs.openFile('big.txt');
  await cs.setCursor(1, 1);
  const annotateRuns: { wall: number; inference: number; observed: number; n: number }[] = [];
  for (let r = 0; r < ANNOTATE_RUNS; r++) {
    const seen = sentenceLensLog(cs).filter((x) => x.text.startsWith('annotated ')).length;
    if (r > 0) {
      await cs.page.keyboard.press(KEY_CLEAR);
      await until(async () => ((await cs!.decorationTexts()).length === 0 ? true : undefined), 'cleared decorations', 30_000);
    }
    await arm(cs, 1, { status: false });
    await cs.page.keyboard.press(KEY_ANNOTATE);
    const probe = probeResult(cs);
    const line = await until(() => sentenceLensLog(cs!).filter((x) => x.text.startsWith('annotated '))[seen], 'the "annotated" log line', 300_000);
    const p = await probe;
    const m = /^annotated (\d+) sentences in (\d+) ms \(inference (\d+) ms/.exec(line.text);
    if (!m) throw new Error(`unexpected log line: ${line.text}`);
    annotateRuns.push({ n: Number(m[1]), wall: Number(m[2]), inference: Number(m[3]), observed: line.t - p.keydownWall });
    console.log(`(c) run ${r + 1}: ${line.text.replace(/: file:.*$/, '')}; keydown → log line ${line.t - p.keydownWall} ms; first visible decoration ${f(p.decoMs)}`);
  }
  await cs.screenshot('bench-annotate');
  const visible = (await cs.decorationTexts()).length;
  if (annotateRuns.some((a) => a.n !== bigSentences.length)) throw new Error(`annotated ${annotateRuns.map((a) => a.n).join('/')} sentences, expected ${bigSentences.length}`);
  await cs.close();
  cs = undefined;

  // The engine alone, same sentences, in this process (after code-server is gone).
  const engine = await SentenceModel.load(MODEL_DIR, { device: 'cpu', batchSize: 32, maxLength: 128 });
  const pure: number[] = [];
  for (let r = 0; r < ANNOTATE_RUNS; r++) {
    const t = performance.now();
    await engine.run(bigSentences);
    pure.push(performance.now() - t);
  }
  await engine.release();
  const ext = median(annotateRuns.map((a) => a.wall));
  const obs = median(annotateRuns.map((a) => a.observed));
  const srv = median(annotateRuns.map((a) => a.inference));
  const eng = median(pure);
  const ratio = (x: number): string => `${(((x - eng) / eng) * 100).toFixed(0)}%`;
  console.log(`(c) engine run() on the same ${bigSentences.length} sentences: ${pure.map((x) => x.toFixed(0)).join(', ')} ms; ${visible} decorations rendered in the viewport at the end`);
  rows.push([`Annotate Document, ${bigSentences.length} sentences: command → all decorations set (extension log)`, f(ext), `overhead vs engine ${ratio(ext)} (target ≤ 30%)`]);
  rows.push(['  … keydown → log line written (bench-observed, includes log flush)', f(obs), `overhead vs engine ${ratio(obs)}`]);
  rows.push(['  … model server inference within it', f(srv), `${ratio(srv)} vs engine`]);
  rows.push([`  engine alone: SentenceModel.run() in-process, same sentences`, f(eng), `median of ${pure.length}`]);
} catch (e) {
  failed = true;
  console.error(e);
  if (cs) {
    await cs.screenshot('bench-failure').catch(() => undefined);
    console.error(sentenceLensLog(cs).map((l) => l.text).join('\n'));
  }
} finally {
  await cs?.close();
  rmSync(temp, { recursive: true, force: true });
}

console.log(`\n| measurement (medians unless noted) | time | notes |\n|---|---|---|`);
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
if (failed) process.exitCode = 1;
