/**
 * The page's side of its messages: a typed post, and a listener that checks every message from
 * the host against the view's schema, dropping (and reporting to the host's log) anything
 * unknown or malformed. Page errors and Content-Security-Policy violations go to the log too.
 */
import type { z } from 'zod';
import { decodeMessage } from '../schema.js';
import { type VsCodeApi, vscodeApi } from './vscode-api.js';

export type LogLevel = 'info' | 'warn' | 'error';

export interface Channel<In, Out> {
  post(message: Out): void;
  log(level: LogLevel, message: string): void;
  /** Starts listening; returns a function that stops. */
  listen(handle: (message: In) => void): () => void;
}

/** `Out` must include the common `log` message ({ type: 'log', level, message }). */
export function createChannel<In, Out extends { type: string }>(incoming: z.ZodType<In>, api: VsCodeApi = vscodeApi(), target: Window = window): Channel<In, Out> {
  const log = (level: LogLevel, message: string) => api.postMessage({ type: 'log', level, message: message.slice(0, 4000) });
  return {
    post: (message) => api.postMessage(message),
    log,
    listen(handle) {
      const listener = (e: MessageEvent) => {
        const decoded = decodeMessage(incoming, e.data);
        if (!decoded.ok) {
          log('warn', `page ignored ${decoded.why}`);
          return;
        }
        try {
          handle(decoded.message);
        } catch (err) {
          log('error', `page failed on a ${(decoded.message as { type?: string }).type ?? ''} message: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        }
      };
      target.addEventListener('message', listener);
      return () => target.removeEventListener('message', listener);
    },
  };
}

/** Sends uncaught errors and CSP violations to the host's log, where tests and users see them. */
export function reportPageProblems(log: (level: LogLevel, message: string) => void, target: Window = window): void {
  target.addEventListener('error', (e) => log('error', `page error: ${e.message} (${e.filename}:${e.lineno})`));
  target.addEventListener('unhandledrejection', (e) => log('error', `page promise rejected: ${String(e.reason)}`));
  target.document.addEventListener('securitypolicyviolation', (e) =>
    log('error', `Content-Security-Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`),
  );
}
