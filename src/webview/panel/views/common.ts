/** Pieces every section of the panel uses: the actions a view may take, fields, errors, numbers. */
import { html, nothing, type TemplateResult } from 'lit';
import type { PanelError, PanelOptions, PanelToHost } from '../../schema.js';
import type { PanelModel } from '../model.js';

export interface Actions {
  update(fn: (form: PanelOptions) => PanelOptions): void;
  post(message: PanelToHost): void;
  /** A number field as typed: kept as text until it parses. */
  setNumber(key: NumberKey, text: string, optional?: boolean): void;
  chooseCsv(path: string): void;
  dismissError(): void;
}

export type NumberKey = { [K in keyof PanelOptions]-?: NonNullable<PanelOptions[K]> extends number ? K : never }[keyof PanelOptions];

export function section(id: string, icon: string, title: string, body: unknown, aside?: unknown): TemplateResult {
  return html`<section id=${id} class="panel-section">
    <h2><span class="codicon codicon-${icon}"></span> ${title}${aside ? html`<span class="aside">${aside}</span>` : nothing}</h2>
    ${body}
  </section>`;
}

/** An error, with its FILE:LINE:COLUMN as a link that opens the file there. */
export function problem(error: PanelError, actions: Actions, kind: 'error' | 'warning' = 'error'): TemplateResult {
  const loc = error.location;
  const where = loc ? `${loc.file.split(/[\\/]/).at(-1)}:${loc.line}${loc.column ? `:${loc.column}` : ''}` : undefined;
  return html`<div class="${kind}-box" role=${kind === 'error' ? 'alert' : 'status'} data-problem=${kind}>
    <span class="codicon codicon-${kind}"></span>
    ${where
      ? html`<a class="link location" href="#" title="Open ${loc!.file} at line ${loc!.line}" @click=${(e: Event) => {
          e.preventDefault();
          actions.post({ type: 'openLocation', location: loc! });
        }}>${where}</a> `
      : nothing}<span class="message">${error.message}</span>
  </div>`;
}

/** A labelled number input; shows the engine's message (or "not a number") under it. */
export function numberField(m: PanelModel, actions: Actions, key: NumberKey, label: string, help: string, opts: { optional?: boolean; step?: string } = {}): TemplateResult {
  const form = m.form!;
  const raw = m.raw[key];
  const value = raw ?? (form[key] === undefined ? '' : String(form[key]));
  const message = raw !== undefined ? (opts.optional ? 'a number, or empty for none' : 'a number') : m.optionErrors[key];
  return html`<div class="field ${message ? 'invalid' : ''}">
    <label for="f-${key}">${label}</label>
    <vscode-textfield id="f-${key}" .value=${value} placeholder=${opts.optional ? 'none' : ''} ?invalid=${Boolean(message)}
      @input=${(e: Event) => actions.setNumber(key, (e.target as HTMLInputElement).value, opts.optional)}></vscode-textfield>
    <div class="help">${help}</div>
    ${message ? html`<div class="error field-error" data-field=${key}>${message}</div>` : nothing}
  </div>`;
}

export function selectField<T extends string>(id: string, label: string, value: T, options: readonly { value: T; label: string }[], onChange: (v: T) => void, help?: string): TemplateResult {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <vscode-single-select id=${id} .value=${value} @change=${(e: Event) => onChange((e.target as HTMLSelectElement).value as T)}>
      ${options.map((o) => html`<vscode-option value=${o.value} ?selected=${o.value === value}>${o.label}</vscode-option>`)}
    </vscode-single-select>
    ${help ? html`<div class="help">${help}</div>` : nothing}
  </div>`;
}

export const percent = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export const baseName = (p: string): string => p.split(/[\\/]/).filter(Boolean).at(-1) ?? p;
