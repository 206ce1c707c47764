// Bundles the extension (CJS, as VS Code loads it), the model server, the prose worker, the
// trainer and the CLI (ESM on Node), and each webview's page script for the browser (src/webview/<view>/main.ts →
// dist/webview/<view>.js). Native and heavy runtime packages stay external and ship in
// node_modules; the webviews get everything bundled (UI elements, charts, zod) and the codicon
// font copied beside them, so nothing is fetched from a CDN.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const external = ['vscode', 'onnxruntime-node', '@resvg/resvg-js'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external,
  logLevel: 'info',
};

/** Every folder of src/webview with a main.ts is a view. */
const views = Object.fromEntries(
  readdirSync('src/webview', { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`src/webview/${d.name}/main.ts`))
    .map((d) => [d.name, `src/webview/${d.name}/main.ts`]),
);

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.cjs', format: 'cjs' },
  {
    ...common,
    // prose-worker: the worker thread that reads documents into sentences for the extension host.
    entryPoints: { server: 'src/server/main.ts', trainer: 'src/trainer/main.ts', cli: 'src/cli/main.ts', 'prose-worker': 'src/text/reader-worker.ts' },
    outdir: 'dist',
    format: 'esm',
    // esbuild's ESM output needs require() for the CJS packages it inlines.
    banner: { js: "import { createRequire as __slCreateRequire } from 'node:module'; const require = __slCreateRequire(import.meta.url);" },
  },
  {
    bundle: true,
    platform: 'browser',
    target: ['chrome120'],
    format: 'esm',
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
    entryPoints: views,
    outdir: 'dist/webview',
  },
  // The sentence map's HTML report script, inlined by `sentence-lens map --out map.html`.
  { entryPoints: { 'map-report': 'src/webview/map/report.ts' }, outdir: 'dist/webview', bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, logLevel: 'info' },
];

// The codicon font and its stylesheet (@vscode-elements' vscode-icon reads the stylesheet by id).
cpSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicons/codicon.css');
cpSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicons/codicon.ttf');

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
