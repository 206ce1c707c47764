import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatedListener } from '../../../src/extension/webview/messages.js';
import { createChannel } from '../../../src/webview/common/messaging.js';
import { pageState } from '../../../src/webview/common/state.js';
import { decodeMessage, HostToPanel, PanelState, PanelToHost } from '../../../src/webview/schema.js';

function fakeApi() {
  const posted: unknown[] = [];
  let state: unknown;
  return { posted, postMessage: (m: unknown) => posted.push(m), getState: () => state, setState: (s: unknown) => (state = s) };
}

test('the schema accepts the messages each side sends and names what is wrong with the rest', () => {
  assert.deepEqual(decodeMessage(PanelToHost, { type: 'stop', runId: 'r1' }), { ok: true, message: { type: 'stop', runId: 'r1' } });
  const unknown = decodeMessage(PanelToHost, { type: 'formatDisk' });
  assert.equal(unknown.ok, false);
  assert.match((unknown as { why: string }).why, /^message "formatDisk": /);
  const malformed = decodeMessage(PanelToHost, { type: 'openLocation', location: { file: 'a.csv', line: 0 } });
  assert.equal(malformed.ok, false);
  assert.match((malformed as { why: string }).why, /location\.line/);
  assert.equal(decodeMessage(PanelToHost, 'ready').ok, false);
  assert.equal(decodeMessage(HostToPanel, { type: 'optionErrors', errors: { lr: 'learning rate must be …' } }).ok, true);
});

test('the host handles valid messages and logs, without handling, unknown or malformed ones', async () => {
  const handled: unknown[] = [];
  const warnings: string[] = [];
  const listener = validatedListener('panel', PanelToHost, { warn: (m) => warnings.push(m) }, (m) => handled.push(m));
  listener({ type: 'resume', runId: 'r2' });
  listener({ type: 'resume' });
  listener({ type: 'nope', runId: 'r2' });
  listener(null);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(handled, [{ type: 'resume', runId: 'r2' }]);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, /^panel webview: ignored message "resume": runId/);
});

test('the page handles valid messages from the host and reports the others to the host log', () => {
  const api = fakeApi();
  const target = new EventTarget() as unknown as Window;
  const channel = createChannel<HostToPanel, PanelToHost>(HostToPanel, api, target);
  const got: HostToPanel[] = [];
  const stop = channel.listen((m) => got.push(m));
  target.dispatchEvent(new MessageEvent('message', { data: { type: 'runs', runs: [] } }));
  target.dispatchEvent(new MessageEvent('message', { data: { type: 'runs', runs: 'all of them' } }));
  target.dispatchEvent(new MessageEvent('message', { data: { type: 'exec', code: 'alert(1)' } }));
  assert.deepEqual(got, [{ type: 'runs', runs: [] }]);
  assert.equal(api.posted.length, 2);
  assert.deepEqual((api.posted[0] as { type: string; level: string }).type, 'log');
  assert.match((api.posted[1] as { message: string }).message, /page ignored message "exec"/);
  stop();
  target.dispatchEvent(new MessageEvent('message', { data: { type: 'runs', runs: [] } }));
  assert.equal(got.length, 1);
  channel.post({ type: 'ready' });
  assert.deepEqual(api.posted.at(-1), { type: 'ready' });
});

test('page state is saved whole, patched, and read back only when it matches the schema', () => {
  const api = fakeApi();
  const state = pageState(PanelState, api);
  assert.equal(state.get(), undefined);
  state.set({ selectedRun: 'r1' });
  state.update({ section: 'runs' });
  assert.deepEqual(state.get(), { selectedRun: 'r1', section: 'runs' });
  api.setState({ selectedRun: 42 });
  assert.equal(state.get(), undefined);
});
