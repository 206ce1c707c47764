/**
 * The Run section: Start, Stop, Resume; progress (epoch, step, examples/s, ETA); live charts;
 * after each evaluation the metrics table and a confusion matrix per task.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { phasePercent, progressLine } from '../../../runs/format.js';
import type { PanelModel } from '../model.js';
import { pointCount, type RunView, type TaskReport } from '../run-view.js';
import { type Actions, percent, problem, section } from './common.js';

/**
 * Whether the shown run is still going: its log says so and the runs list (which knows when a
 * trainer died without logging an end) does not say otherwise.
 */
export function isRunning(m: PanelModel): boolean {
  const run = m.run;
  if (!run?.running) return false;
  const summary = m.runs.find((r) => r.id === run.runId);
  return !summary || summary.status === 'running';
}

/** Why Start is not possible now, or undefined when it is. */
export function cannotStart(m: PanelModel): string | undefined {
  const form = m.form;
  if (!form) return 'loading';
  if (!m.init?.runsFolder) return 'open a folder: runs are saved in the workspace';
  if (!form.csv) return 'choose a training CSV';
  if (!m.inspection || m.inspection.csv !== form.csv) return 'reading the CSV';
  if (m.inspection.error) return 'the CSV has a problem (above)';
  if (form.tasks.length === 0) return 'map at least one task column';
  if (Object.keys(m.raw).length > 0 || Object.keys(m.optionErrors).length > 0) return 'fix the options marked in red';
  if (m.picture === null && m.pictureError) return 'the model cannot be read';
  if (isRunning(m)) return 'a run is in progress';
  if (m.starting) return 'starting';
  return undefined;
}

export function runSection(m: PanelModel, a: Actions): TemplateResult {
  const run = m.run;
  const why = cannotStart(m);
  const summary = run ? m.runs.find((r) => r.id === run.runId) : undefined;
  const running = isRunning(m);
  const resumable = run && !running && summary?.checkpoints.includes('last') && (summary.status === 'cancelled' || summary.status === 'interrupted');
  const buttons = html`<div class="row run-buttons">
    <vscode-button id="start" ?disabled=${why !== undefined} title=${why ?? 'Start a new run with these options'} @click=${() => a.post({ type: 'start', options: m.form! })}><span class="codicon codicon-play"></span> Start</vscode-button>
    ${run && running ? html`<vscode-button id="stop" secondary title="End the run after this step, saving 'last'" @click=${() => a.post({ type: 'stop', runId: run.runId })}><span class="codicon codicon-debug-stop"></span> Stop</vscode-button>` : nothing}
    ${resumable ? html`<vscode-button id="resume" secondary title="Continue from 'last'" @click=${() => a.post({ type: 'resume', runId: run.runId })}><span class="codicon codicon-debug-continue"></span> Resume</vscode-button>` : nothing}
    ${why && why !== 'a run is in progress' ? html`<span class="muted" id="start-why">${why}</span>` : nothing}
  </div>`;
  const body = html`${buttons}${m.error ? html`<div @click=${() => a.dismissError()}>${problem(m.error, a)}</div>` : nothing}${run ? runBody(m, run, running, a) : html`<div class="muted">No run shown. Start one, or pick one under Runs.</div>`}`;
  return section('run', 'pulse', 'Run', body, run ? html`<span id="run-id">${run.runId}</span>` : nothing);
}

function runBody(m: PanelModel, run: RunView, running: boolean, a: Actions): TemplateResult {
  const p = run.progress;
  const pct = p ? phasePercent(p) : 0;
  const lost = run.running && !running ? m.runs.find((r) => r.id === run.runId)?.status : undefined;
  const state = run.failure ? 'failed' : running ? 'running' : (run.ended?.status ?? lost ?? 'starting');
  return html`
    <div class="progress" id="progress" data-state=${state} data-percent=${pct}>
      <progress max="100" .value=${pct} aria-label="run progress"></progress>
      <span class="pct">${pct}%</span>
      <span class="muted" id="progress-line">${p ? progressLine(p) : 'starting…'}${run.ended ? ` · ${run.ended.status}` : ''}</span>
    </div>
    ${run.adapt ? adaptStatus(run) : nothing}
    ${run.failure ? problem(run.failure, a) : nothing}
    ${lost === 'interrupted' ? problem({ message: "the run's trainer process ended without finishing the run (see Sentence Lens: Show Log); Resume continues from its last checkpoint" }, a, 'warning') : nothing}
    ${run.ended?.message ? html`<div class="muted">${run.ended.message}</div>` : nothing}
    ${charts(run)}
    ${run.lastEval ? metrics(run) : nothing}
    ${run.messages.length ? html`<details class="messages"><summary>${run.messages.length} message${run.messages.length === 1 ? '' : 's'} from the trainer</summary>
      ${run.messages.map((x) => html`<div class=${x.level === 'warning' ? 'warning' : 'muted'}>${x.message}</div>`)}</details>` : nothing}`;
}

/** Whether, and how far, the run adapted to the workspace's text before fine-tuning. */
function adaptStatus(run: RunView): TemplateResult {
  const { step, totalSteps } = run.adapt!;
  const now = run.progress?.phase === 'adapting';
  const text = now ? `Adapting to the workspace's text (masked-LM): step ${step}/${totalSteps}` : `Adapted to the workspace's text first (masked-LM): ${step}/${totalSteps} steps`;
  return html`<div class="muted" id="adapt-status" data-adapting=${String(now)} data-step=${step} data-total=${totalSteps}><span class="codicon codicon-book"></span> ${text}</div>`;
}

function charts(run: RunView): TemplateResult {
  const box = (id: string, title: string, points: number) => html`<figure class="chart" data-chart=${id} data-points=${points}>
    <figcaption>${title}</figcaption><div class="chart-box"><canvas id=${id} role="img" aria-label=${title}></canvas></div></figure>`;
  return html`<div class="charts">
    ${box('chart-loss', 'Loss per task (training —, validation - -)', pointCount(run.trainLoss) + pointCount(run.valLoss))}
    ${box('chart-metrics', 'Validation accuracy (—) and macro-F1 (- -) per task', pointCount(run.valAccuracy) + pointCount(run.valF1))}
    ${box('chart-lr', 'Learning rate', run.lr.length)}
    ${run.adapt ? box('chart-adapt', "Adaptation to the workspace's text: masked-LM loss by step", run.adaptLoss.length) : nothing}
  </div>`;
}

function metrics(run: RunView): TemplateResult {
  const e = run.lastEval!;
  const tasks = Object.entries(e.tasks);
  return html`<div class="metrics" id="metrics" data-step=${e.step}>
    <h3>Validation at step ${e.step} (epoch ${e.epoch + 1}) · ${e.examples} rows · loss ${e.loss.toFixed(4)}${e.improved ? ' · best so far' : ''}</h3>
    <table class="grid" id="metrics-table">
      <thead><tr><th>Task</th><th class="num">Loss</th><th class="num">Accuracy</th><th class="num">Macro-F1</th><th class="num">Rows</th></tr></thead>
      <tbody>${tasks.map(([t, r]) => html`<tr data-task=${t}><td>${t}</td><td class="num">${r.loss.toFixed(4)}</td><td class="num">${percent(r.accuracy)}</td><td class="num">${percent(r.macroF1)}</td><td class="num">${r.count}</td></tr>`)}</tbody>
    </table>
    <div class="confusions">${tasks.map(([t, r]) => confusion(t, r))}</div>
  </div>`;
}

/** Rows: the true label; columns: the predicted one; shading by the share of the row. */
function confusion(task: string, r: TaskReport): TemplateResult {
  const shade = (n: number, row: readonly number[]) => {
    const total = row.reduce((x, y) => x + y, 0);
    return total ? Math.min(5, Math.ceil((5 * n) / total)) : 0;
  };
  return html`<figure class="confusion" data-task=${task}>
    <figcaption>${task}: confusion matrix (rows true, columns predicted)</figcaption>
    <table class="grid confusion-matrix">
      <thead><tr><th></th>${r.labels.map((l) => html`<th class="num">${l}</th>`)}<th class="num">recall</th></tr></thead>
      <tbody>${r.confusion.map((row, i) => html`<tr><th>${r.labels[i]}</th>${row.map((n, j) => html`<td class="num cm cm-${shade(n, row)} ${i === j ? 'diag' : ''}">${n}</td>`)}<td class="num">${percent(r.perClass[i]?.recall ?? Number.NaN)}</td></tr>`)}</tbody>
    </table>
  </figure>`;
}
