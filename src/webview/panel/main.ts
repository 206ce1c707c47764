/**
 * The training panel's page: holds the PanelModel, renders it with lit, keeps the charts in step,
 * asks the host (through the schema-checked channel) for what the form needs as it changes, and
 * saves the form and the shown run with vscode.setState for a window reload.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { html, render } from 'lit';
import { createChannel, reportPageProblems } from '../common/messaging.js';
import { pageState } from '../common/state.js';
import { HostToPanel, type PanelOptions, PanelState, type PanelToHost } from '../schema.js';
import { Charts, type LineSeries } from './charts.js';
import { checkKey, pictureKey, withCsv } from './form.js';
import { applyHostMessage, EMPTY, type PanelModel } from './model.js';
import { TOTAL } from './run-view.js';
import type { Actions, NumberKey } from './views/common.js';
import { dataSection } from './views/data.js';
import { freezeSection, modelSection } from './views/model.js';
import { hyperSection } from './views/hyper.js';
import { cannotStart, runSection } from './views/run.js';
import { runsSection } from './views/runs.js';

const channel = createChannel<HostToPanel, PanelToHost>(HostToPanel);
reportPageProblems(channel.log);
const saved = pageState(PanelState);
const charts = new Charts(() => draw());
const app = document.getElementById('app')!;
let model: PanelModel = EMPTY;
let sent = { inspect: '', picture: '', check: '' };
const timers = new Map<string, ReturnType<typeof setTimeout>>();

function later(key: string, ms: number, fn: () => void): void {
  clearTimeout(timers.get(key));
  timers.set(key, setTimeout(fn, ms));
}

const mappingKey = (f: PanelOptions) => JSON.stringify([f.csv, f.textColumn, f.tasks]);

/** Asks the host for whatever the form's current values need that was not asked for yet. */
function request(): void {
  const f = model.form;
  if (!f || !f.csv) return;
  const mk = mappingKey(f);
  if (mk !== sent.inspect) {
    sent.inspect = mk;
    const fresh = f.tasks.length === 0;
    later('inspect', fresh ? 0 : 300, () => channel.post({ type: 'inspectCsv', csv: f.csv, ...(fresh ? {} : { textColumn: f.textColumn, tasks: f.tasks }) }));
  }
  const pk = pictureKey(f);
  if (pk !== sent.picture && f.tasks.length > 0) {
    sent.picture = pk;
    later('picture', 250, () => channel.post({ type: 'describeModel', options: model.form! }));
  }
  const ck = checkKey(f);
  if (ck !== sent.check) {
    sent.check = ck;
    later('check', 250, () => channel.post({ type: 'checkOptions', options: model.form! }));
  }
}

let savedFrom: readonly unknown[] = [];
function set(next: PanelModel, redraw: () => void = draw): void {
  model = next;
  // Saved for a window reload when the form or the shown run changed (not on each run entry).
  if (model.form && (model.form !== savedFrom[0] || model.run?.runId !== savedFrom[1])) {
    savedFrom = [model.form, model.run?.runId];
    saved.set({ options: model.form, ...(model.run ? { selectedRun: model.run.runId } : {}) });
  }
  request();
  redraw();
}

const actions: Actions = {
  update: (fn) => model.form && set({ ...model, form: fn(model.form) }),
  post: (m) => {
    if (m.type === 'start') {
      // A disabled vscode-button still hears clicks: the page, not the attribute, decides.
      if (cannotStart(model)) return;
      set({ ...model, starting: true, error: undefined });
    }
    channel.post(m);
  },
  setNumber(key: NumberKey, text: string, optional = false) {
    if (!model.form) return;
    const { [key]: _, ...raw } = model.raw;
    const x = Number(text);
    if (optional && text.trim() === '') set({ ...model, raw, form: { ...model.form, [key]: undefined } });
    else if (text.trim() !== '' && Number.isFinite(x)) set({ ...model, raw, form: { ...model.form, [key]: x } });
    else set({ ...model, raw: { ...raw, [key]: text } });
  },
  chooseCsv(path) {
    if (!model.form || model.form.csv === path) return;
    set({ ...model, inspection: undefined, picture: undefined, form: withCsv(model.form, path) });
  },
  dismissError: () => set({ ...model, error: undefined }),
};

function view(m: PanelModel) {
  if (!m.form || !m.init) return html`<div class="muted loading">Loading…</div>`;
  return html`<header class="panel-header"><h1><span class="codicon codicon-beaker"></span> Train on a CSV</h1></header>
    ${dataSection(m, actions)}${modelSection(m, actions)}${freezeSection(m, actions)}${hyperSection(m, actions)}${runSection(m, actions)}${runsSection(m, actions)}`;
}

/**
 * Draws at most once a frame: a training run sends an entry every step, and on a 2-core machine
 * a redraw per entry took CPU from the trainer itself (bench:panel). A hidden panel draws nothing
 * until it is shown again.
 */
let frame: number | undefined;
let lastDraw = 0;
function draw(): void {
  frame ??= requestAnimationFrame(() => {
    frame = undefined;
    lastDraw = performance.now();
    render(view(model), app);
    app.setAttribute('aria-busy', model.form ? 'false' : 'true');
    drawCharts();
  });
}

/** A run's log entries redraw the page at most this often (a progress bar needs no more). */
const RUN_DRAW_MS = 250;
/** While a run goes on, its charts are redrawn at most this often; its end draws them at once. */
const RUN_CHARTS_MS = 1000;
let runDrawTimer: ReturnType<typeof setTimeout> | undefined;
function drawForRun(): void {
  if (frame !== undefined || runDrawTimer !== undefined) return;
  const wait = lastDraw + RUN_DRAW_MS - performance.now();
  if (wait <= 0) draw();
  else runDrawTimer = setTimeout(() => {
    runDrawTimer = undefined;
    draw();
  }, wait);
}

/**
 * What the charts were last drawn from: redrawn only when one of these changed. `layout` is what
 * a redraw cannot wait for (theme, inspection, the canvases on the page); `series`, a run's data.
 */
interface ChartInputs {
  readonly layout: readonly unknown[];
  readonly series: readonly unknown[];
}
let chartsDrawnFrom: ChartInputs = { layout: [], series: [] };
let chartsDrawnAt = 0;
let chartsTimer: ReturnType<typeof setTimeout> | undefined;

const sameItems = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** True when only a running run's series changed since the last chart draw, and that was recent. */
function chartsCanWait(from: ChartInputs): boolean {
  return sameItems(from.layout, chartsDrawnFrom.layout) && model.run?.running === true && performance.now() - chartsDrawnAt < RUN_CHARTS_MS;
}

function drawCharts(): void {
  const run = model.run;
  const from: ChartInputs = {
    layout: [charts.generation, model.inspection, ...document.querySelectorAll('canvas')],
    series: [run?.trainLoss, run?.valLoss, run?.valAccuracy, run?.valF1, run?.lr, run?.adaptLoss],
  };
  if (sameItems(from.layout, chartsDrawnFrom.layout) && sameItems(from.series, chartsDrawnFrom.series)) return;
  if (chartsCanWait(from)) {
    chartsTimer ??= setTimeout(() => {
      chartsTimer = undefined;
      draw();
    }, RUN_CHARTS_MS);
    return;
  }
  chartsDrawnFrom = from;
  chartsDrawnAt = performance.now();
  charts.prune();
  const counts = model.inspection ? Object.entries(model.inspection.labelCounts) : [];
  counts.forEach(([, c], i) => charts.bars(`counts-${i}`, Object.keys(c), Object.values(c), i));
  if (!run) return;
  const taskNames = [...new Set([...Object.keys(run.valLoss), ...Object.keys(run.trainLoss).filter((t) => t !== TOTAL)])];
  const color = (t: string) => (t === TOTAL ? taskNames.length : taskNames.indexOf(t));
  // With one task the total is that task's loss: drawn once.
  const train = Object.entries(run.trainLoss).filter(([t]) => t !== TOTAL || taskNames.length > 1);
  const loss: LineSeries[] = [
    ...train.map(([t, points]) => ({ label: `${t} (train)`, points, color: color(t) })),
    ...Object.entries(run.valLoss).map(([t, points]) => ({ label: `${t} (validation)`, points, color: color(t), dashed: true })),
  ];
  charts.line('chart-loss', loss, { title: 'loss' });
  charts.line('chart-metrics', [
    ...Object.entries(run.valAccuracy).map(([t, points]) => ({ label: `${t} accuracy`, points, color: color(t) })),
    ...Object.entries(run.valF1).map(([t, points]) => ({ label: `${t} macro-F1`, points, color: color(t), dashed: true })),
  ], { title: 'validation', min: 0, max: 1 });
  charts.line('chart-lr', [{ label: 'learning rate', points: run.lr, color: 0 }], { title: 'lr' });
  if (run.adapt) charts.line('chart-adapt', [{ label: 'masked-LM loss', points: run.adaptLoss, color: 0 }], { title: 'loss' });
}

function onMessage(msg: HostToPanel): void {
  switch (msg.type) {
    case 'init': {
      const first = !model.init;
      const state = saved.get();
      set(applyHostMessage(model, msg, state?.options));
      if (first) {
        // The run shown before (restored state), else one still running, else the newest.
        const running = msg.runs.find((r) => r.status === 'running');
        const show = state?.selectedRun && msg.runs.some((r) => r.id === state.selectedRun) ? state.selectedRun : (running ?? msg.runs[0])?.id;
        if (show) channel.post({ type: 'showRun', runId: show });
      }
      return;
    }
    case 'inspection': {
      set(applyHostMessage(model, msg));
      // The guess just filled the mapping: the answer already counts labels for it.
      if (model.form && msg.inspection.csv === model.form.csv) sent.inspect = mappingKey(model.form);
      request();
      return;
    }
    case 'selectCsv':
      if (msg.purpose === 'train') actions.chooseCsv(msg.path);
      else actions.update((f) => ({ ...f, validation: { kind: 'file', path: msg.path } }));
      return;
    case 'selectModelFolder':
      actions.update((f) => ({ ...f, model: { kind: msg.purpose, path: msg.path } }));
      return;
    case 'runEvents':
      set(applyHostMessage(model, msg), msg.reset ? draw : drawForRun);
      return;
    default:
      set(applyHostMessage(model, msg));
  }
}

channel.listen(onMessage);
draw();
channel.post({ type: 'ready' });
