/** The Data section: which CSV, its first rows, the column mapping, label counts, validation. */
import { html, nothing, type TemplateResult } from 'lit';
import { addTask, removeTask, setTask } from '../form.js';
import type { PanelModel } from '../model.js';
import { type Actions, problem, section, selectField } from './common.js';

export function dataSection(m: PanelModel, a: Actions): TemplateResult {
  const form = m.form!;
  const files = m.init?.csvFiles ?? [];
  const insp = m.inspection;
  const known = files.some((f) => f.path === form.csv);
  const choices = [...files.map((f) => ({ value: f.path, label: f.label })), ...(form.csv && !known ? [{ value: form.csv, label: form.csv }] : [])];
  const body = html`
    <div class="row">
      ${choices.length
        ? selectField('csv', 'Training CSV', form.csv, choices, (v) => a.chooseCsv(v))
        : html`<div class="muted">No CSV files in the workspace.</div>`}
      <vscode-button id="browse-csv" secondary @click=${() => a.post({ type: 'browseCsv', purpose: 'train' })}><span class="codicon codicon-folder-opened"></span> Browse…</vscode-button>
    </div>
    ${insp?.error ? problem(insp.error, a) : nothing}
    ${insp ? preview(m, a) : form.csv ? html`<div class="muted">Reading ${form.csv}…</div>` : nothing}
    ${insp && insp.header.length ? mapping(m, a) : nothing}
    ${insp ? labelCounts(m) : nothing}
    ${validation(m, a)}
    ${insp?.warnings.length ? warnings(m, a) : nothing}`;
  return section('data', 'table', 'Data', body, insp ? html`${insp.rows} rows` : nothing);
}

function preview(m: PanelModel, _a: Actions): TemplateResult {
  const insp = m.inspection!;
  if (insp.header.length === 0) return html``;
  const form = m.form!;
  const role = (c: string) => (c === form.textColumn ? 'text' : form.tasks.find((t) => t.column === c)?.name);
  return html`<div class="table-scroll"><table class="grid preview" id="preview">
    <thead><tr>${insp.header.map((h) => html`<th title=${role(h) ? `used as ${role(h)}` : 'not used'} class=${role(h) ? 'used' : 'unused'}>${h}${role(h) ? html`<span class="role">${role(h)}</span>` : nothing}</th>`)}</tr></thead>
    <tbody>${insp.preview.map((r) => html`<tr>${insp.header.map((_, i) => html`<td title=${r[i] ?? ''}>${r[i] ?? ''}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

function mapping(m: PanelModel, a: Actions): TemplateResult {
  const form = m.form!;
  const insp = m.inspection!;
  const columns = insp.header.map((h) => ({ value: h, label: h || '(no name)' }));
  const excluded = insp.guess?.excluded ?? [];
  return html`<div class="mapping">
    ${selectField('text-column', 'Text column', form.textColumn, columns, (v) => a.update((f) => ({ ...f, textColumn: v })))}
    <div class="tasks">
      <div class="label">Tasks (one head each)</div>
      ${form.tasks.map((t, i) => html`<div class="row task" data-task=${t.name}>
        <vscode-textfield class="task-name" aria-label="task name" .value=${t.name}
          @change=${(e: Event) => a.update((f) => setTask(f, i, { name: (e.target as HTMLInputElement).value.trim() || t.name }))}></vscode-textfield>
        <span class="muted">from column</span>
        <vscode-single-select class="task-column" aria-label="label column of ${t.name}" .value=${t.column}
          @change=${(e: Event) => a.update((f) => setTask(f, i, { column: (e.target as HTMLSelectElement).value }))}>
          ${columns.map((c) => html`<vscode-option value=${c.value} ?selected=${c.value === t.column}>${c.label}</vscode-option>`)}
        </vscode-single-select>
        <vscode-button secondary class="remove-task" title="Remove task ${t.name}" @click=${() => a.update((f) => removeTask(f, i))}><span class="codicon codicon-trash"></span></vscode-button>
      </div>`)}
      <vscode-button id="add-task" secondary @click=${() => a.update((f) => addTask(f, insp.header))}><span class="codicon codicon-add"></span> Add task</vscode-button>
    </div>
    ${excluded.length
      ? html`<div class="muted excluded" id="excluded-columns">${excluded.map((e) => html`<div><span class="codicon codicon-info"></span> Column '${e.column}' is not guessed as a task: it has ${e.reason}. Add it as a task to train on it anyway.</div>`)}</div>`
      : nothing}
  </div>`;
}

function labelCounts(m: PanelModel): TemplateResult {
  const counts = Object.entries(m.inspection!.labelCounts);
  if (counts.length === 0) return html``;
  return html`<div class="label-counts">
    ${counts.map(([task, c], i) => html`<figure class="counts" data-task=${task}>
      <figcaption>${task}: ${Object.keys(c).length} labels</figcaption>
      <div class="chart-box small"><canvas id="counts-${i}" role="img" aria-label="rows per label of ${task}"></canvas></div>
    </figure>`)}
  </div>`;
}

function validation(m: PanelModel, a: Actions): TemplateResult {
  const form = m.form!;
  const v = form.validation;
  const files = m.init?.csvFiles ?? [];
  return html`<div class="validation">
    <div class="label">Validation</div>
    <vscode-radio-group>
      <vscode-radio name="validation" value="split" ?checked=${v.kind === 'split'} @change=${() => a.update((f) => ({ ...f, validation: { kind: 'split', fraction: 0.1 } }))}>A fraction of the training rows</vscode-radio>
      <vscode-radio name="validation" value="file" ?checked=${v.kind === 'file'} @change=${() => a.update((f) => ({ ...f, validation: { kind: 'file', path: files.find((x) => x.path !== f.csv)?.path ?? f.csv } }))}>A second file</vscode-radio>
    </vscode-radio-group>
    ${v.kind === 'split'
      ? html`<div class="field">
          <label for="f-valSplit">Fraction held out (stratified by label, seeded)</label>
          <vscode-textfield id="f-valSplit" .value=${m.raw.valSplit ?? String(v.fraction)} @input=${(e: Event) => {
            const text = (e.target as HTMLInputElement).value;
            const x = Number(text);
            if (text.trim() !== '' && Number.isFinite(x)) a.update((f) => ({ ...f, validation: { kind: 'split', fraction: x } }));
          }}></vscode-textfield>
          ${m.optionErrors.validation ? html`<div class="error field-error" data-field="validation">${m.optionErrors.validation}</div>` : nothing}
        </div>`
      : html`<div class="row">${selectField('val-csv', 'Validation CSV', v.path, files.map((f) => ({ value: f.path, label: f.label })), (p) => a.update((f) => ({ ...f, validation: { kind: 'file', path: p } })))}
          <vscode-button secondary @click=${() => a.post({ type: 'browseCsv', purpose: 'validation' })}>Browse…</vscode-button></div>`}
  </div>`;
}

function warnings(m: PanelModel, a: Actions): TemplateResult {
  const w = m.inspection!.warnings;
  return html`<details class="warnings" id="csv-warnings">
    <summary><span class="codicon codicon-warning"></span> ${w.length} warning${w.length === 1 ? '' : 's'} about the data</summary>
    ${w.slice(0, 50).map((x) => problem(x, a, 'warning'))}
    ${w.length > 50 ? html`<div class="muted">… and ${w.length - 50} more</div>` : nothing}
  </details>`;
}

