/** `npm run demo` (README "Quick start"): runs with no network and prints its tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('npm run demo runs offline and prints the classification table and the validation metrics', async () => {
  // No hub can answer: offline mode on, and the endpoint a closed port.
  const env: NodeJS.ProcessEnv = { ...process.env, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' };
  delete env['NODE_TEST_CONTEXT'];
  const child = spawn('npm', ['run', 'demo', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `${stdout}\n${stderr}`);

  assert.match(stdout, /^sentence +topic +sentiment$/m);
  const row = (start: string) => new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* (food|sports|reading) +\\d+% +(positive|negative) +\\d+%$`, 'm');
  for (const s of ["Well that's a bit far-fetched", 'Go fetch boy', 'Rewards, rewards, rewards', 'I finished the whole trilogy']) assert.match(stdout, row(s));
  // Sentences no reader would misfile: the bundled model must not either.
  assert.match(stdout, /^The soup was cold and the bread was stale\. +food +\d+%/m);
  assert.match(stdout, /^Our keeper let in three goals before half time\. +sports +\d+%/m);

  assert.match(stdout, /^completed after \d+ steps .*validation on \d+ held-out sentences:$/m);
  for (const task of ['topic', 'sentiment']) assert.match(stdout, new RegExp(`^${task} +\\d+% +0\\.\\d{3} +\\d+\\.\\d{3}$`, 'm'));
});
