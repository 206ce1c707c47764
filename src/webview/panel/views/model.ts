/**
 * The Model and What trains sections: the base model, device and pooling, and domain adaptation
 * first (adapt.ts); the freeze policy with
 * what each means, per-head freezing and loss weights, layer-wise LR decay; and a picture of the
 * model shaded by what will train, with the trainable parameter count.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { ModelSource, PanelOptions } from '../../schema.js';
import { toggleFrozenHead } from '../form.js';
import type { PanelModel } from '../model.js';
import { adaptBlock } from './adapt.js';
import { type Actions, baseName, count, numberField, section, selectField } from './common.js';

type SourceKind = ModelSource['kind'];

export function modelSection(m: PanelModel, a: Actions): TemplateResult {
  const form = m.form!;
  const init = m.init!;
  const src = form.model;
  const runs = m.runs.filter((r) => r.checkpoints.length > 0);
  const setModel = (model: ModelSource) => a.update((f) => ({ ...f, model }));
  const sourceBody = init.restricted
    ? html`<div class="muted restricted" id="restricted-note"><span class="codicon codicon-shield"></span> Restricted Mode: the base model is the one your user settings name (${init.settingsModel}). Trust the workspace to choose another.</div>`
    : html`
      <vscode-radio-group class="model-source">
        ${radio('offline', 'The offline model (small, bundled)', src.kind, init.offlineAvailable, () => setModel({ kind: 'offline' }))}
        ${radio('settings', `The model of your settings (${baseName(init.settingsModel)})`, src.kind, true, () => setModel({ kind: 'settings' }))}
        ${radio('hub', 'A Hugging Face model', src.kind, true, () => setModel({ kind: 'hub', id: init.cachedModels[0] ?? 'sentence-transformers/all-MiniLM-L6-v2' }))}
        ${radio('folder', 'A local model folder', src.kind, true, () => a.post({ type: 'browseModelFolder', purpose: 'folder' }))}
        ${radio('checkpoint', 'An earlier run, to continue from', src.kind, runs.length > 0, () => setModel({ kind: 'checkpoint', path: `${runs[0]!.dir}/${runs[0]!.checkpoints[0]}` }))}
      </vscode-radio-group>
      ${src.kind === 'hub' ? hubPicker(src.id, init.cachedModels, setModel) : nothing}
      ${src.kind === 'folder' ? html`<div class="row"><code>${src.path}</code><vscode-button secondary @click=${() => a.post({ type: 'browseModelFolder', purpose: 'folder' })}>Browse…</vscode-button></div>` : nothing}
      ${src.kind === 'checkpoint'
        ? html`<div class="row">${selectField('checkpoint', 'Checkpoint', src.path, runs.flatMap((r) => r.checkpoints.map((k) => ({ value: `${r.dir}/${k}`, label: `${r.id} · ${k} (${r.options.freeze ?? ''})` }))), (p) => setModel({ kind: 'checkpoint', path: p }))}
            <vscode-button secondary @click=${() => a.post({ type: 'browseModelFolder', purpose: 'checkpoint' })}>Browse…</vscode-button></div>`
        : nothing}`;
  const body = html`${sourceBody}
    <div class="row">
      ${selectField('device', 'Device', form.device, [
        { value: 'auto', label: 'auto (CUDA, else WebGPU, else CPU)' }, { value: 'cpu', label: 'cpu' }, { value: 'webgpu', label: 'webgpu' }, { value: 'cuda', label: 'cuda' },
      ], (d) => a.update((f) => ({ ...f, device: d })))}
      ${selectField('pooling', 'Pooling', form.pooling ?? 'auto', [
        { value: 'auto', label: "the model's (mean if unknown)" }, { value: 'mean', label: 'mean of the token vectors' }, { value: 'cls', label: 'the [CLS] token vector' },
      ], (p) => a.update((f) => ({ ...f, pooling: p === 'auto' ? undefined : p })))}
    </div>
    ${adaptBlock(m, a)}`;
  return section('model', 'package', 'Model', body);
}

function radio(kind: SourceKind, label: string, current: SourceKind, enabled: boolean, choose: () => void): TemplateResult {
  return html`<vscode-radio name="model-source" value=${kind} ?checked=${current === kind} ?disabled=${!enabled} @change=${(e: Event) => (e.target as HTMLInputElement).checked && choose()}>${label}</vscode-radio>`;
}

function hubPicker(id: string, cached: readonly string[], setModel: (m: ModelSource) => void): TemplateResult {
  return html`<div class="field">
    <label for="hub-id">Model id${cached.length ? ' (already downloaded: ' + cached.join(', ') + ')' : ''}</label>
    <vscode-textfield id="hub-id" .value=${id} placeholder="org/name" @change=${(e: Event) => setModel({ kind: 'hub', id: (e.target as HTMLInputElement).value.trim() })}></vscode-textfield>
  </div>`;
}

/** The freeze policies, each with what it means and when to choose it. */
export const FREEZE_OPTIONS: readonly { kind: PanelOptions['freeze']['kind']; label: string; detail: string }[] = [
  { kind: 'none', label: 'Train everything', detail: 'Every weight moves. Slowest; best with plenty of data that differs from what the model knows.' },
  { kind: 'backbone', label: 'Freeze the backbone (heads only)', detail: 'Only the task heads learn, on the fixed sentence vectors. Fast; the choice for new labels on little data.' },
  { kind: 'embeddings', label: 'Freeze the embeddings', detail: 'All layers train but word vectors stay; protects rare words on small data.' },
  { kind: 'bottom', label: 'Freeze the embeddings and the bottom K layers', detail: 'Lower layers hold general features, upper ones task-specific ones: train only the top.' },
  { kind: 'all', label: 'Freeze everything (evaluate only)', detail: 'Nothing trains: measures the model as it is on this data.' },
];

export function freezeSection(m: PanelModel, a: Actions): TemplateResult {
  const form = m.form!;
  const layers = m.picture?.numLayers;
  const body = html`<div class="freeze-layout">
    <div class="freeze-options">
      <vscode-radio-group variant="vertical" id="freeze-policy">
        ${FREEZE_OPTIONS.map((o) => html`<vscode-radio name="freeze" value=${o.kind} ?checked=${form.freeze.kind === o.kind}
          @change=${(e: Event) => (e.target as HTMLInputElement).checked && a.update((f) => ({ ...f, freeze: { ...f.freeze, kind: o.kind } }))}>
          <span class="freeze-label">${o.label}</span></vscode-radio>
          <div class="help freeze-detail">${o.detail}</div>`)}
      </vscode-radio-group>
      ${form.freeze.kind === 'bottom' ? bottomK(m, a, layers) : nothing}
      ${heads(m, a)}
      ${numberField(m, a, 'layerLrDecay', 'Layer-wise LR decay', 'Top layer gets the learning rate, each layer below it that times this (0 < d ≤ 1; 1 is off).')}
    </div>
    ${picture(m)}
  </div>`;
  return section('freeze', 'lock', 'What trains', body);
}

function bottomK(m: PanelModel, a: Actions, layers: number | undefined): TemplateResult {
  const k = m.form!.freeze.bottomLayers;
  const over = layers !== undefined && k > layers;
  return html`<div class="field ${over ? 'invalid' : ''}">
    <label for="f-bottom">K: layers frozen from the bottom${layers !== undefined ? ` (0 to ${layers}, the model's depth)` : ''}</label>
    <vscode-textfield id="f-bottom" type="number" min="0" max=${layers ?? 1000} .value=${String(k)}
      @input=${(e: Event) => {
        const x = Number((e.target as HTMLInputElement).value);
        if (Number.isInteger(x) && x >= 0) a.update((f) => ({ ...f, freeze: { ...f.freeze, bottomLayers: x } }));
      }}></vscode-textfield>
    ${over ? html`<div class="error field-error" data-field="bottom">the model has ${layers} layers; K must be 0 to ${layers}</div>` : nothing}
  </div>`;
}

function heads(m: PanelModel, a: Actions): TemplateResult {
  const form = m.form!;
  if (form.tasks.length === 0) return html``;
  return html`<table class="grid heads" id="heads">
    <thead><tr><th>Task head</th><th>Freeze</th><th class="num">Loss weight</th></tr></thead>
    <tbody>${form.tasks.map((t) => html`<tr data-task=${t.name}>
      <td>${t.name}</td>
      <td><vscode-checkbox class="freeze-head" ?checked=${form.frozenHeads.includes(t.name)} aria-label="freeze head ${t.name}"
        @change=${(e: Event) => a.update((f) => toggleFrozenHead(f, t.name, (e.target as HTMLInputElement).checked))}></vscode-checkbox></td>
      <td class="num"><vscode-textfield class="loss-weight" aria-label="loss weight of ${t.name}" .value=${String(form.lossWeights[t.name] ?? 1)}
        @input=${(e: Event) => {
          const x = Number((e.target as HTMLInputElement).value);
          if ((e.target as HTMLInputElement).value.trim() !== '' && Number.isFinite(x)) a.update((f) => ({ ...f, lossWeights: { ...f.lossWeights, [t.name]: x } }));
        }}></vscode-textfield></td>
    </tr>`)}</tbody>
  </table>
  <div class="help">A loss weight of 0 turns the task off (its head does not train).</div>
  ${m.optionErrors.lossWeights ? html`<div class="error field-error" data-field="lossWeights">${m.optionErrors.lossWeights}</div>` : nothing}`;
}

function picture(m: PanelModel): TemplateResult {
  const p = m.picture;
  if (m.pictureError) return html`<div class="model-picture error-box" id="model-picture"><span class="codicon codicon-error"></span> ${m.pictureError}</div>`;
  if (!p) return html`<div class="model-picture muted" id="model-picture">Reading the model…</div>`;
  const heads = p.blocks.filter((b) => b.kind === 'head');
  const stack = p.blocks.filter((b) => b.kind !== 'head').reverse();
  const block = (b: (typeof p.blocks)[number]) => html`<div class="block ${b.kind} ${b.trains ? 'trains' : 'frozen'}" data-block=${b.key} data-trains=${String(b.trains)} title="${b.label}: ${b.params.toLocaleString('en')} parameters, ${b.trains ? 'trains' : 'frozen'}">
    <span class="codicon codicon-${b.trains ? 'flame' : 'lock'}"></span> ${b.label} <span class="params">${count(b.params)}</span></div>`;
  return html`<figure class="model-picture" id="model-picture" data-trainable=${p.trainable}>
    <div class="heads-row">${heads.map(block)}</div>
    <div class="stack">${stack.map(block)}</div>
    <figcaption><strong id="trainable-count">${count(p.trainable)}</strong> of ${count(p.total)} parameters train
      (${p.total ? ((100 * p.trainable) / p.total).toFixed(p.trainable / p.total < 0.01 ? 2 : 0) : 0}%)<div class="help">${p.summary}</div></figcaption>
  </figure>`;
}
