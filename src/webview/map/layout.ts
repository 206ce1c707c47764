/**
 * The map page's elements, built once with DOM calls (text always through textContent, never
 * parsed as HTML), and the small updates they need.
 */
import type { SentenceMapData } from '../../engine/map/map-data.js';

/** The selection list shows this many sentences; the count says how many more there are. */
const MAX_LISTED = 200;

export interface Layout {
  readonly title: HTMLElement;
  readonly task: HTMLElement & { value: string };
  readonly search: HTMLElement & { value: string };
  readonly matches: HTMLElement;
  readonly tools: ReadonlyMap<string, HTMLElement>;
  readonly follow: HTMLElement & { checked: boolean };
  readonly refresh: HTMLElement;
  readonly cancel: HTMLElement;
  readonly stale: HTMLElement;
  readonly summary: HTMLElement;
  readonly map: HTMLElement;
  readonly notes: HTMLElement;
  readonly selection: HTMLElement;
  /** What became of the last "Label selected as…" (data-state: retraining, then ready). */
  readonly labelNote: HTMLElement;
  fillTasks(names: readonly string[], selected: string): void;
  setBusy(progress: { title: string; done: number; total: number } | undefined): void;
  showError(message: string | undefined): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function custom<T extends HTMLElement>(tag: string, props: Record<string, string> = {}, text?: string): T {
  const e = document.createElement(tag) as T;
  for (const [k, v] of Object.entries(props)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export function buildLayout(app: HTMLElement): Layout {
  const title = el('h1', { id: 'title' }, 'Sentence map');
  const task = custom<HTMLElement & { value: string }>('vscode-single-select', { id: 'task', 'aria-label': 'Colour by task' });
  const search = custom<HTMLElement & { value: string }>('vscode-textfield', { id: 'search', placeholder: 'Search sentences', 'aria-label': 'Search sentences' });
  const matches = el('span', { id: 'matches', class: 'muted', 'aria-live': 'polite' });
  const tools = new Map<string, HTMLElement>([
    ['pan', custom('vscode-button', { secondary: '', 'aria-pressed': 'true', title: 'Drag to pan, wheel to zoom' }, 'Pan')],
    ['rect', custom('vscode-button', { secondary: '', 'aria-pressed': 'false', title: 'Drag a rectangle to select sentences' }, 'Rectangle')],
    ['lasso', custom('vscode-button', { secondary: '', 'aria-pressed': 'false', title: 'Draw around sentences to select them' }, 'Lasso')],
  ]);
  const follow = custom<HTMLElement & { checked: boolean }>('vscode-checkbox', { id: 'follow' }, 'Follow the active editor');
  const refresh = custom('vscode-button', { id: 'refresh', secondary: '' }, 'Refresh');
  const stale = el('span', { id: 'stale', class: 'warning' }, 'The document changed since it was mapped.');
  stale.hidden = true;
  const progressText = el('span', { id: 'progress-text', class: 'muted' });
  const bar = custom<HTMLElement & { value?: number; max: number }>('vscode-progress-bar', { 'aria-label': 'Mapping progress' });
  const cancel = custom('vscode-button', { id: 'cancel', secondary: '' }, 'Cancel');
  const busy = el('div', { id: 'busy', class: 'row' });
  busy.append(progressText, cancel);
  const error = el('div', { id: 'error', class: 'error-box', role: 'alert' });
  const summary = el('div', { id: 'summary', 'aria-live': 'polite' });
  const map = el('div', { id: 'map' });
  const notes = el('div', { id: 'notes', class: 'muted' });
  const selection = el('section', { id: 'selection', 'aria-live': 'polite' });
  const labelNote = el('p', { id: 'label-note', 'aria-live': 'polite' });
  labelNote.hidden = true;
  const bar1 = el('div', { class: 'row map-bar' });
  bar1.append(el('label', {}, 'Colour by'), task, search, matches);
  const bar2 = el('div', { class: 'row map-bar' });
  bar2.append(...tools.values(), follow, refresh, stale);
  app.replaceChildren(title, bar1, bar2, bar, busy, error, summary, map, notes, labelNote, selection);
  app.removeAttribute('aria-busy');
  error.hidden = true;
  busy.hidden = true;
  bar.hidden = true;

  return {
    title, task, search, matches, tools, follow, refresh, cancel, stale, summary, map, notes, selection, labelNote,
    fillTasks(names, selected) {
      task.replaceChildren(...names.map((n) => custom('vscode-option', n === selected ? { value: n, selected: '' } : { value: n }, n)));
      task.value = selected;
    },
    setBusy(progress) {
      busy.hidden = bar.hidden = progress === undefined;
      app.setAttribute('aria-busy', String(progress !== undefined));
      if (!progress) return;
      error.hidden = true;
      progressText.textContent = progress.total > 0 ? `${progress.title}: ${progress.done} of ${progress.total}` : progress.title;
      if (progress.total > 0) {
        bar.max = progress.total;
        bar.value = progress.done;
      } else bar.value = undefined;
    },
    showError(message) {
      error.hidden = message === undefined;
      error.textContent = message ?? '';
    },
  };
}

/**
 * Lists the selected sentences (first MAX_LISTED) under the map, with "Label selected as…" when
 * the page can label (the webview; not the CLI's HTML report).
 */
export function showSelection(ui: Pick<Layout, 'selection'>, data: SentenceMapData, points: readonly number[], onLabel?: () => void): void {
  ui.selection.replaceChildren();
  if (points.length === 0) return;
  const head = el('div', { class: 'row' });
  head.append(el('h2', {}, `${points.length} selected`));
  if (onLabel) {
    const button = custom('vscode-button', { id: 'label-selected', title: 'Give every selected sentence one label (written to the labels file; the heads retrain)' }, 'Label selected as…');
    button.addEventListener('click', onLabel);
    head.append(button);
  }
  ui.selection.append(head);
  const list = el('ol');
  for (const i of points.slice(0, MAX_LISTED)) list.append(el('li', {}, data.lines ? `line ${data.lines[i]}: ${data.texts[i]}` : data.texts[i]));
  ui.selection.append(list);
  if (points.length > MAX_LISTED) ui.selection.append(el('p', { class: 'muted' }, `… and ${points.length - MAX_LISTED} more`));
}
