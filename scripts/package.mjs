// Packages the extension with vsce, offline, for one platform target (default: this machine's),
// e.g. `node scripts/package.mjs --target linux-x64`. A target package carries only that platform's
// native binaries (onnxruntime-node); `--target universal` keeps them all (~120 MB).
// The ignore list is .vscodeignore plus the other platforms' binary folders.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const at = args.indexOf('--target');
const target = at >= 0 ? args[at + 1] : `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const out = at >= 0 && args.includes('-o') ? args[args.indexOf('-o') + 1] : join('dist', `sentence-lens-${target}.vsix`);
const [platform, arch] = target.split('-');

const extra = [];
if (target !== 'universal') {
  const ort = 'node_modules/onnxruntime-node/bin/napi-v6';
  for (const p of readdirSync(ort)) {
    for (const a of readdirSync(join(ort, p))) if (p !== platform || a !== arch) extra.push(`${ort}/${p}/${a}/**`);
  }
}
const temp = mkdtempSync(join(tmpdir(), 'sl-package-'));
const ignore = join(temp, 'vscodeignore');
writeFileSync(ignore, `${readFileSync('.vscodeignore', 'utf8')}\n${extra.join('\n')}\n`);
const vsceArgs = ['package', '--no-yarn', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--ignoreFile', ignore, '-o', out];
if (target !== 'universal') vsceArgs.push('--target', target);
try {
  execFileSync(join('node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce'), vsceArgs, { stdio: 'inherit' });
} finally {
  rmSync(temp, { recursive: true, force: true });
}
console.log(`${out}: ${(statSync(out).size / 1e6).toFixed(1)} MB`);
