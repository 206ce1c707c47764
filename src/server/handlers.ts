/**
 * Wires protocol requests to the ModelService: cancellation tokens become AbortSignals, errors
 * become ResponseErrors carrying our error code and message.
 */
import { type CancellationToken, type MessageConnection, ResponseError } from 'vscode-jsonrpc/node';
import { withAbortSignal } from '../cancellation.js';
import { SentenceLensError } from '../engine/errors.js';
import {
  ClassifyRequest,
  EmbedRequest,
  type ErrorData,
  LoadModelRequest,
  MapRequest,
  ProgressNotification,
  REQUEST_CANCELLED,
  RetrainHeadsRequest,
  SERVER_ERROR,
  ShutdownRequest,
  SimilarRequest,
  StatusRequest,
} from '../protocol.js';
import { ModelService } from './model-service.js';

export function toResponseError(e: unknown, token?: CancellationToken): ResponseError<ErrorData> {
  if (token?.isCancellationRequested || (e instanceof SentenceLensError && e.code === 'CANCELLED')) {
    return new ResponseError(REQUEST_CANCELLED, 'cancelled', { code: 'CANCELLED' });
  }
  if (e instanceof SentenceLensError) return new ResponseError(SERVER_ERROR, e.message, { code: e.code });
  const message = e instanceof Error ? e.message : String(e);
  return new ResponseError(SERVER_ERROR, `internal error in the model server: ${message}`, { code: 'INTERNAL' });
}

/** Runs `fn` with an AbortSignal for the request; logs and converts failures. */
export function handle<P, R>(log: (m: string) => void, name: string, fn: (p: P, signal: AbortSignal) => Promise<R>) {
  return async (params: P, token: CancellationToken): Promise<R | ResponseError<ErrorData>> => {
    const t0 = Date.now();
    try {
      return await withAbortSignal([token], (signal) => fn(params, signal));
    } catch (e) {
      const err = toResponseError(e, token);
      log(`${name} failed after ${Date.now() - t0} ms: ${err.message}${err.data?.code === 'INTERNAL' && e instanceof Error ? `\n${e.stack}` : ''}`);
      return err;
    }
  };
}

export function registerHandlers(connection: MessageConnection, log: (m: string) => void, exit: () => void, debug?: (m: string) => void): ModelService {
  const service = new ModelService({ log, debug, progress: (p) => void connection.sendNotification(ProgressNotification, p) });
  connection.onRequest(LoadModelRequest, handle(log, 'loadModel', (p, s) => service.load(p, s)));
  connection.onRequest(ClassifyRequest, handle(log, 'classify', (p, s) => service.classify(p, s)));
  connection.onRequest(EmbedRequest, handle(log, 'embed', (p, s) => service.embed(p, s)));
  connection.onRequest(SimilarRequest, handle(log, 'similar', (p, s) => service.similar(p, s)));
  connection.onRequest(RetrainHeadsRequest, handle(log, 'retrainHeads', (p, s) => service.retrainHeads(p, s)));
  connection.onRequest(MapRequest, handle(log, 'map', (p, s) => service.map(p, s)));
  connection.onRequest(StatusRequest, () => service.status());
  connection.onRequest(ShutdownRequest, async () => {
    await service.release().catch((e) => log(`release failed: ${String(e)}`));
    setImmediate(exit);
  });
  return service;
}
