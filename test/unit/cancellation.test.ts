/** Cancellation tokens as AbortSignals, with no listener left on a token after the work. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withAbortSignal } from '../../src/cancellation.js';

class FakeToken {
  isCancellationRequested = false;
  readonly listeners = new Set<() => void>();
  onCancellationRequested(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  cancel(): void {
    this.isCancellationRequested = true;
    for (const l of this.listeners) l();
  }
}

test('the signal aborts when any token is cancelled, and the listeners are gone when the work ends', async () => {
  const a = new FakeToken();
  const b = new FakeToken();
  let seen: AbortSignal | undefined;
  const result = await withAbortSignal([a, undefined, b], async (signal) => {
    seen = signal;
    assert.equal(a.listeners.size, 1);
    assert.equal(signal.aborted, false);
    b.cancel();
    assert.equal(signal.aborted, true);
    return 'done';
  });
  assert.equal(result, 'done');
  assert.equal(seen!.aborted, true);
  assert.equal(a.listeners.size, 0, 'listener left on a token');
  assert.equal(b.listeners.size, 0, 'listener left on a token');
});

test('a token cancelled before the work starts aborts at once; failing work still removes the listeners', async () => {
  const done = new FakeToken();
  done.cancel();
  await withAbortSignal([done], async (signal) => assert.equal(signal.aborted, true));
  const live = new FakeToken();
  await assert.rejects(withAbortSignal([live], async () => {
    throw new Error('boom');
  }), /boom/);
  assert.equal(live.listeners.size, 0);
});
