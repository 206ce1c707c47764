/**
 * The script of `sentence-lens map --out map.html`: the same interactive map as the editor's
 * (zoom, pan, hover, search, rectangle and lasso selection), reading the map from the page
 * itself, so the file works offline, attached to a report, with nothing else beside it.
 */
import { defaultTask, disagreements, searchPoints, type SentenceMapData } from '../../engine/map/map-data.js';
import { type MapTheme } from './chart-option.js';
import { MapCanvas, type SelectTool } from './map-canvas.js';

interface ReportConfig {
  readonly title: string;
  readonly task?: string;
  readonly theme: MapTheme;
}

const MAX_LISTED = 200;

function json<T>(id: string): T {
  return JSON.parse(document.getElementById(id)!.textContent!) as T;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

function main(): void {
  const data = json<SentenceMapData>('map-data');
  const config = json<ReportConfig>('map-config');
  let task = config.task ?? defaultTask(data) ?? '';
  const taskSelect = document.getElementById('task') as HTMLSelectElement;
  for (const t of data.tasks) taskSelect.append(Object.assign(el('option', t.name), { value: t.name, selected: t.name === task }));
  const search = document.getElementById('search') as HTMLInputElement;
  const matches = document.getElementById('matches')!;
  const summary = document.getElementById('summary')!;
  const selection = document.getElementById('selection')!;
  const notes = document.getElementById('notes')!;
  for (const n of data.notes) notes.append(el('p', n));

  const showSelection = (points: number[]) => {
    selection.replaceChildren();
    if (points.length === 0) return;
    selection.append(el('h2', `${points.length} selected`));
    const list = el('ol');
    for (const i of points.slice(0, MAX_LISTED)) list.append(el('li', data.lines ? `line ${data.lines[i]}: ${data.texts[i]}` : data.texts[i]));
    selection.append(list);
    if (points.length > MAX_LISTED) selection.append(el('p', `… and ${points.length - MAX_LISTED} more`));
  };
  const map = new MapCanvas(document.getElementById('map')!, data, { task }, config.theme, { onSelect: showSelection });
  // For tests and automation, as in the editor's map: where a point is drawn within #map.
  Object.assign(window, { sentenceMap: { pixelOf: (point: number) => map.pixelOf(point) } });
  const showSummary = () => {
    const gold = data.values[task]?.gold;
    summary.textContent = gold ? `${disagreements(data, task).length} disagreements between the labels and the model (${task})` : '';
  };
  showSummary();
  taskSelect.addEventListener('change', () => {
    task = taskSelect.value;
    map.update({ view: { task } });
    showSummary();
  });
  search.addEventListener('input', () => {
    const found = searchPoints(data, search.value);
    matches.textContent = search.value.trim() ? `${found.length} matching` : '';
    map.update({ view: { matches: found } });
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-tool]')) {
    button.addEventListener('click', () => {
      map.setTool(button.dataset['tool'] as SelectTool);
      for (const b of document.querySelectorAll('button[data-tool]')) b.setAttribute('aria-pressed', String(b === button));
    });
  }
}

main();
