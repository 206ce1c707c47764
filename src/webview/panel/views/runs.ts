/**
 * The Runs section: the workspace's runs side by side (options and best metrics), so two freeze
 * policies can be compared, with what can be done with each.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { RunSummary } from '../../schema.js';
import type { PanelModel } from '../model.js';
import { type Actions, percent, section } from './common.js';

const ICON: Record<RunSummary['status'], string> = {
  running: 'sync~spin',
  completed: 'pass',
  'early-stopped': 'pass',
  cancelled: 'debug-pause',
  'evaluated-only': 'checklist',
  failed: 'error',
  interrupted: 'warning',
};

export function runsSection(m: PanelModel, a: Actions): TemplateResult {
  const runs = m.runs;
  const tasks = [...new Set(runs.flatMap((r) => Object.keys(r.best)))];
  // Adaptation only shows when some run adapted: most never do.
  const columns = ['freeze', 'model', 'data', 'tasks', 'length', 'lr', 'batch', ...(runs.some((r) => r.options.adapt) ? ['adapt'] : [])];
  const body = runs.length === 0
    ? html`<div class="muted">No runs yet in ${m.init?.runsFolder || 'this workspace'}.</div>`
    : html`<div class="table-scroll"><table class="grid runs" id="runs-table">
        <thead><tr><th>Run</th><th>Actions</th><th>Status</th>${tasks.map((t) => html`<th class="num">${t} acc / F1</th>`)}${columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
        <tbody>${runs.map((r) => row(r, columns, tasks, m, a))}</tbody>
      </table></div>`;
  return section('runs', 'history', 'Runs', body, m.init?.runsFolder ? html`<span class="muted">${m.init.runsFolder}</span>` : nothing);
}

function row(r: RunSummary, columns: readonly string[], tasks: readonly string[], m: PanelModel, a: Actions): TemplateResult {
  const act = (action: 'use' | 'export' | 'reveal' | 'delete') => () => a.post({ type: 'runAction', runId: r.id, action });
  const shown = m.run?.runId === r.id;
  const button = (id: string, icon: string, label: string, onClick: () => void, disabled = false) =>
    html`<vscode-button secondary icon-only icon=${icon} class="run-action" data-action=${id} title=${label} aria-label="${label} (${r.id})" ?disabled=${disabled} @click=${() => disabled || onClick()}></vscode-button>`;
  const canUse = r.checkpoints.length > 0 && !m.init?.restricted;
  return html`<tr data-run=${r.id} data-status=${r.status} class=${shown ? 'shown' : ''}>
    <td><a href="#" class="link" @click=${(e: Event) => (e.preventDefault(), a.post({ type: 'showRun', runId: r.id }))}>${r.created.replace('T', ' ').slice(0, 19)}</a>${r.active ? html` <span class="badge" title="used for annotations in this workspace">in use</span>` : nothing}</td>
    <td class="actions">
      ${button('use', 'check', 'Use for Annotations', act('use'), !canUse)}
      ${button('export', 'export', 'Export ONNX…', act('export'), r.checkpoints.length === 0)}
      ${button('reveal', 'folder-opened', 'Reveal in Explorer', act('reveal'))}
      ${button('delete', 'trash', 'Delete', act('delete'), r.status === 'running')}
    </td>
    <td title=${r.message ?? ''}><span class="codicon codicon-${ICON[r.status]}"></span> ${r.status}${r.status === 'running' && r.totalSteps ? ` ${Math.floor((100 * r.step) / r.totalSteps)}%` : ''}</td>
    ${tasks.map((t) => html`<td class="num">${r.best[t] ? `${percent(r.best[t]!.accuracy)} / ${percent(r.best[t]!.macroF1)}` : '–'}</td>`)}
    ${columns.map((c) => html`<td>${r.options[c] ?? ''}</td>`)}
  </tr>`;
}
