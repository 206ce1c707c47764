/** Files that ship beside the bundles (dist/cli.js, dist/server.js → ../models). */
import { fileURLToPath } from 'node:url';

export function bundledDataCsv(): string {
  return fileURLToPath(new URL('../models/sentences.csv', import.meta.url));
}

export function offlineModelDir(): string {
  return fileURLToPath(new URL('../models/offline', import.meta.url));
}

/** The browser bundle the HTML map report inlines (built by esbuild from src/webview/map/report.ts). */
export function mapReportScript(): string {
  return fileURLToPath(new URL('../dist/webview/map-report.js', import.meta.url));
}
