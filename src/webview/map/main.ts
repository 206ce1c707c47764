/**
 * The sentence map's page: the map (MapCanvas), its controls (task, search, drag tool, follow the
 * editor), progress with Cancel, and the list of selected sentences. Every message in and out is
 * checked against src/webview/schema.ts; the view choices are saved for a reload.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { defaultTask, disagreements, searchPoints, type SentenceMapData } from '../../engine/map/map-data.js';
import { createChannel, reportPageProblems } from '../common/messaging.js';
import { pageState } from '../common/state.js';
import { HostToMap, type MapSource, MapState, type MapToHost } from '../schema.js';
import { MapCanvas, type SelectTool } from './map-canvas.js';
import { buildLayout, type Layout, showSelection } from './layout.js';
import { themeFromCss } from './themes.js';

const channel = createChannel<HostToMap, MapToHost>(HostToMap);
reportPageProblems(channel.log);
const saved = pageState(MapState);
const ui: Layout = buildLayout(document.getElementById('app')!);

let data: SentenceMapData | undefined;
let source: MapSource | undefined;
let task = saved.get()?.task ?? '';
let map: MapCanvas | undefined;
let selected: number[] = [];

const theme = () => themeFromCss(getComputedStyle(document.body), !document.body.classList.contains('vscode-light') && !document.body.classList.contains('vscode-high-contrast-light'));

function rememberView(): void {
  saved.update({ task, search: ui.search.value });
  channel.post({ type: 'viewChanged', task, search: ui.search.value });
}

function showMap(next: SentenceMapData, nextSource: MapSource, title: string, view: { task?: string; search?: string }): void {
  data = next;
  source = nextSource;
  task = next.tasks.some((t) => t.name === (view.task ?? task)) ? (view.task ?? task) : (defaultTask(next) ?? '');
  if (view.search !== undefined) ui.search.value = view.search;
  saved.update({ source, seed: next.params['seed'], task, search: ui.search.value });
  ui.title.textContent = title;
  ui.fillTasks(next.tasks.map((t) => t.name), task);
  ui.follow.hidden = source.kind !== 'document';
  ui.follow.checked = source.kind === 'document' && source.follow;
  ui.notes.replaceChildren(...next.notes.map((n) => Object.assign(document.createElement('p'), { textContent: n })));
  ui.setBusy(undefined);
  const matches = searchPoints(next, ui.search.value);
  if (map) map.update({ data: next, view: { task, matches, current: undefined } });
  else map = new MapCanvas(ui.map, next, { task, matches }, theme(), { onClick: (point) => channel.post({ type: 'reveal', point }), onSelect: select });
  ui.labelNote.hidden = true;
  select([]);
  showCounts();
}

function select(points: number[]): void {
  selected = points;
  if (data) showSelection(ui, data, points, () => channel.post({ type: 'labelSelected', task, points: selected }));
}

/** After "Label selected as…": the selection is in the labels file; the colours follow the retrain. */
function showLabelled(count: number, taskName: string, label: string): void {
  map?.clearSelection();
  select([]);
  ui.labelNote.hidden = false;
  ui.labelNote.dataset['state'] = 'retraining';
  ui.labelNote.textContent = `Labelled ${count} ${count === 1 ? 'sentence' : 'sentences'} ${taskName} = ${label}; the heads are retraining…`;
}

/** The same points classified by the retrained heads: recolour in place, keeping zoom and pan. */
function recolour(next: SentenceMapData): void {
  if (!data || next.texts.length !== data.texts.length) return;
  data = next;
  if (!next.tasks.some((t) => t.name === task)) task = defaultTask(next) ?? '';
  ui.fillTasks(next.tasks.map((t) => t.name), task);
  map?.update({ data: next, view: { task }, keepView: true });
  select(selected.filter((p) => p < next.texts.length));
  if (ui.labelNote.dataset['state'] === 'retraining') {
    ui.labelNote.dataset['state'] = 'ready';
    ui.labelNote.textContent = ui.labelNote.textContent!.replace(/; the heads are retraining…$/, '; the map shows the retrained heads.');
  }
  showCounts();
}

function showCounts(): void {
  if (!data) return;
  const gold = data.values[task]?.gold;
  const wrong = gold ? disagreements(data, task).length : undefined;
  ui.summary.textContent = wrong === undefined ? `${data.texts.length} sentences, coloured by the model's ${task}` : `${wrong} disagreements between the labels and the model (${task}) in ${data.texts.length} rows`;
  if (wrong === undefined) delete ui.summary.dataset['disagreements'];
  else ui.summary.dataset['disagreements'] = String(wrong);
  ui.matches.textContent = ui.search.value.trim() ? `${searchPoints(data, ui.search.value).length} matching` : '';
}

channel.listen((m) => {
  switch (m.type) {
    case 'progress':
      ui.setBusy({ title: m.title, done: m.done, total: m.total });
      break;
    case 'map':
      showMap(m.data, m.source, m.title, { task: m.task, search: m.search });
      break;
    case 'current':
      if (map) map.update({ view: { current: m.point ?? undefined } });
      if (m.point === null) delete ui.map.dataset['current'];
      else ui.map.dataset['current'] = String(m.point);
      break;
    case 'stale':
      ui.stale.hidden = !m.stale;
      break;
    case 'error':
      ui.setBusy(undefined);
      ui.showError(m.message);
      break;
    case 'cancelled':
      ui.setBusy(undefined);
      ui.showError('Mapping was cancelled. Refresh to map again.');
      break;
    case 'labelled':
      showLabelled(m.count, m.task, m.label);
      break;
    case 'recoloured':
      recolour(m.data);
      break;
  }
});

ui.task.addEventListener('change', () => {
  task = ui.task.value;
  map?.update({ view: { task } });
  showCounts();
  rememberView();
});
ui.search.addEventListener('input', () => {
  if (!data) return;
  map?.update({ view: { matches: searchPoints(data, ui.search.value) } });
  showCounts();
  rememberView();
});
for (const [tool, button] of ui.tools) {
  button.addEventListener('click', () => {
    map?.setTool(tool as SelectTool);
    for (const [t, b] of ui.tools) b.setAttribute('aria-pressed', String(t === tool));
  });
}
ui.follow.addEventListener('change', () => channel.post({ type: 'follow', follow: ui.follow.checked }));
ui.refresh.addEventListener('click', () => channel.post({ type: 'refresh' }));
ui.cancel.addEventListener('click', () => channel.post({ type: 'cancel' }));
// The workbench theme changed: VS Code swaps the body's class and CSS variables.
new MutationObserver(() => map?.update({ theme: theme() })).observe(document.body, { attributes: true, attributeFilter: ['class'] });

/** For tests and automation: where a point is drawn, in CSS pixels within the map element. */
Object.assign(window, {
  sentenceMap: {
    pixelOf: (point: number) => map?.pixelOf(point),
    /** The label point `point` is coloured with (the task the map is coloured by). */
    labelOf: (point: number) => (data ? data.tasks.find((t) => t.name === task)?.labels[data.values[task]?.predicted[point] ?? -1] : undefined),
  },
});

channel.post({ type: 'ready' });
