/**
 * The "Adapt to this workspace's text first" block of the Model section: opt-in masked-LM
 * pretraining on workspace text before fine-tuning, the text to adapt on (picked with the host's
 * file picker, which keeps it inside the workspace folders), and how many epochs of it.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { removeAdaptPath } from '../form.js';
import type { PanelModel } from '../model.js';
import { type Actions, baseName, numberField } from './common.js';

export function adaptBlock(m: PanelModel, a: Actions): TemplateResult {
  const form = m.form!;
  const on = form.adaptFirst === true;
  const paths = form.adaptPaths ?? [];
  const error = m.optionErrors.adaptPaths;
  return html`<div class="adapt" id="adapt" data-on=${String(on)}>
    <vscode-checkbox id="adapt-first" ?checked=${on} @change=${(e: Event) => a.update((f) => ({ ...f, adaptFirst: (e.target as HTMLInputElement).checked }))}>Adapt to this workspace's text first</vscode-checkbox>
    <div class="help">Masked-language-model pretraining on your own unlabelled text, then fine-tuning. Choose it when the text has its own vocabulary or register (clinical, legal, support tickets…) and you have more plain text than labelled rows; it adds a pretraining pass to the run's time.</div>
    ${on
      ? html`<div class="field ${error ? 'invalid' : ''}">
          <div class="label">Text to adapt on</div>
          ${paths.length
            ? html`<ul class="adapt-paths" id="adapt-paths">${paths.map((p) => html`<li data-path=${p}>
                <span class="codicon codicon-file-text"></span> <strong>${baseName(p)}</strong> <span class="muted path" title=${p}>${p}</span>
                <vscode-button secondary class="remove-adapt" title="Do not adapt on ${baseName(p)}" @click=${() => a.update((f) => removeAdaptPath(f, p))}><span class="codicon codicon-close"></span></vscode-button>
              </li>`)}</ul>`
            : html`<div class="muted" id="adapt-none">No text chosen yet.</div>`}
          <div class="row">
            <vscode-button id="adapt-add-files" secondary @click=${() => a.post({ type: 'browseAdaptText', kind: 'files' })}><span class="codicon codicon-add"></span> Add files…</vscode-button>
            <vscode-button id="adapt-add-folder" secondary @click=${() => a.post({ type: 'browseAdaptText', kind: 'folder' })}><span class="codicon codicon-folder-opened"></span> Add folder…</vscode-button>
          </div>
          <div class="help">.txt and .md files (each line an example), folders of them, or CSVs (their text column); only files inside the workspace folders.</div>
          ${error ? html`<div class="error field-error" data-field="adaptPaths">${error}</div>` : nothing}
        </div>
        ${numberField(m, a, 'adaptEpochs', 'Adaptation epochs', 'Passes over that text before fine-tuning; each costs about what a training epoch over as many sentences does.')}`
      : nothing}
  </div>`;
}
