/**
 * Cancellation tokens (VS Code's and vscode-jsonrpc's) as an AbortSignal, which the server
 * client and the engine take. The listeners hooked onto the tokens are removed when the work
 * ends: a token can outlive the request (a progress notification's, a long command's), and each
 * request would otherwise leave a listener behind on it.
 */

/** The part of a CancellationToken used here; VS Code's and vscode-jsonrpc's both fit. */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/** Runs `work` with a signal that aborts when any of `tokens` is cancelled. */
export async function withAbortSignal<R>(tokens: readonly (CancellationTokenLike | undefined)[], work: (signal: AbortSignal) => Promise<R>): Promise<R> {
  const controller = new AbortController();
  const listeners: { dispose(): void }[] = [];
  for (const token of tokens) {
    if (!token) continue;
    if (token.isCancellationRequested) controller.abort();
    else listeners.push(token.onCancellationRequested(() => controller.abort()));
  }
  try {
    return await work(controller.signal);
  } finally {
    for (const l of listeners) l.dispose();
  }
}
