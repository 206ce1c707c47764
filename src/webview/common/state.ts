/**
 * What the page keeps across a hide or a window reload: saved with vscode.setState (VS Code
 * hands it to the panel serializer after a reload), read back checked against the view's schema.
 */
import type { z } from 'zod';
import { decodeMessage } from '../schema.js';
import { type VsCodeApi, vscodeApi } from './vscode-api.js';

export interface PageState<S> {
  get(): S | undefined;
  set(state: S): void;
  update(patch: Partial<S>): void;
}

export function pageState<S extends object>(schema: z.ZodType<S>, api: VsCodeApi = vscodeApi()): PageState<S> {
  const read = (): S | undefined => {
    const raw = api.getState();
    if (raw === undefined || raw === null) return undefined;
    const decoded = decodeMessage(schema, raw);
    return decoded.ok ? decoded.message : undefined;
  };
  return {
    get: read,
    set: (state) => api.setState(state),
    update: (patch) => api.setState({ ...(read() ?? {}), ...patch }),
  };
}
