// Bundles the extension (CJS, as VS Code loads it), the model server and the CLI (ESM on Node).
// Native and heavy runtime packages stay external and ship in node_modules.
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

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.cjs', format: 'cjs' },
  {
    ...common,
    entryPoints: { server: 'src/server/main.ts', cli: 'src/cli/main.ts' },
    outdir: 'dist',
    format: 'esm',
    // esbuild's ESM output needs require() for the CJS packages it inlines.
    banner: { js: "import { createRequire as __slCreateRequire } from 'node:module'; const require = __slCreateRequire(import.meta.url);" },
  },
  // The sentence map's HTML report script, inlined by `sentence-lens map --out map.html`.
  { entryPoints: { 'map-report': 'src/webview/map/report.ts' }, outdir: 'dist/webview', bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, logLevel: 'info' },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
