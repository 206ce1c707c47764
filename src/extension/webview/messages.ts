/**
 * The host's side of a webview's messages: every message received is checked against the view's
 * schema (src/webview/schema.ts); unknown or malformed ones are logged and dropped.
 */
import type { z } from 'zod';
import { decodeMessage } from '../../webview/schema.js';

export interface MessageLog {
  warn(message: string): void;
}

/** Wraps a handler of valid messages into a listener for webview.onDidReceiveMessage. */
export function validatedListener<T>(view: string, schema: z.ZodType<T>, log: MessageLog, handle: (message: T) => unknown): (raw: unknown) => void {
  return (raw) => {
    const decoded = decodeMessage(schema, raw);
    if (!decoded.ok) {
      log.warn(`${view} webview: ignored ${decoded.why}`);
      return;
    }
    void Promise.resolve()
      .then(() => handle(decoded.message))
      .catch((e: unknown) => log.warn(`${view} webview: handling ${JSON.stringify((raw as { type?: unknown }).type)} failed: ${e instanceof Error ? e.message : String(e)}`));
  };
}
