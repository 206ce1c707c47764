/**
 * Errors a user can act on. `code` is stable for programs (the CLI, the server protocol);
 * `message` says what was wrong, where, and what was expected.
 */
export type SentenceLensErrorCode =
  | 'MISSING_FILE'
  | 'BAD_CONFIG'
  | 'UNSUPPORTED'
  | 'MISSING_TENSOR'
  | 'BAD_TENSOR_SHAPE'
  | 'BAD_SAFETENSORS'
  | 'BAD_CSV'
  | 'BAD_ARGUMENT'
  | 'NETWORK'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'OFFLINE'
  | 'CHECKSUM'
  | 'CANCELLED'
  | 'DEVICE'
  /** A request that needs a model came before any model was loaded. */
  | 'NO_MODEL';

export class SentenceLensError extends Error {
  constructor(
    readonly code: SentenceLensErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SentenceLensError';
  }
}
