/**
 * The self-contained HTML report: the map's data and the browser bundle of the map inline, a
 * Content-Security-Policy that allows exactly that script (by hash) and no network at all.
 */
import { createHash } from 'node:crypto';
import type { SentenceMapData } from '../../engine/map/map-data.js';
import type { MapTheme } from '../../webview/map/chart-option.js';

export interface ReportOptions {
  readonly title: string;
  readonly task?: string;
  readonly theme: MapTheme;
  /** dist/webview/map-report.js, the bundle of src/webview/map/report.ts. */
  readonly script: string;
}

/** JSON that cannot end its <script> element early. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function reportHtml(data: SentenceMapData, options: ReportOptions): string {
  const script = options.script.replace(/<\/script/gi, '<\\/script');
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  const t = options.theme;
  const config = { title: options.title, task: options.task, theme: t };
  // style-src 'unsafe-inline': ECharts positions its own elements with style attributes.
  const csp = `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; img-src data:`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>
  body { margin: 0; padding: 12px 16px; background: ${t.background}; color: ${t.foreground}; font: ${t.fontSize + 1}px ${t.fontFamily}; }
  h1 { font-size: 1.2em; margin: 0 0 8px; }
  header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin-bottom: 8px; }
  #map { width: 100%; height: 70vh; min-height: 360px; }
  #summary, #matches, #notes, .muted { color: ${t.muted}; }
  button[aria-pressed="true"] { font-weight: bold; }
  #selection ol { max-height: 30vh; overflow: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
<header>
  <label>Colour by <select id="task"></select></label>
  <input id="search" type="search" placeholder="Search sentences" aria-label="Search sentences">
  <span id="matches" aria-live="polite"></span>
  <span role="group" aria-label="Mouse drag">
    <button data-tool="pan" aria-pressed="true">Pan</button>
    <button data-tool="rect" aria-pressed="false">Rectangle select</button>
    <button data-tool="lasso" aria-pressed="false">Lasso select</button>
  </span>
  <span id="summary"></span>
</header>
<div id="map"></div>
<div id="notes"></div>
<section id="selection" aria-live="polite"></section>
<p class="muted">Wheel to zoom, drag to pan, hover a point for its sentence and probabilities. Made by sentence-lens map.</p>
<script type="application/json" id="map-data">${inlineJson(data)}</script>
<script type="application/json" id="map-config">${inlineJson(config)}</script>
<script>${script}</script>
</body>
</html>
`;
}
