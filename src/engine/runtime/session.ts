/** ONNX Runtime sessions over graph bytes, on the chosen device. */
import ort from 'onnxruntime-node';
import { architectureOf } from '../model/architectures.js';
import type { EncoderConfig } from '../model/encoder-config.js';
import type { Device } from './device.js';

export type Session = ort.InferenceSession;
export { ort };

export interface SessionOptions {
  /** Threads for one op; defaults to ONNX Runtime's choice (all physical cores). */
  readonly intraOpThreads?: number;
  /**
   * Where outputs land on a GPU provider: 'gpu-buffer' (all) or per output name. Any GPU entry
   * puts the session in IO-binding mode: feed every input and fetch every output on each run,
   * and dispose() every gpu-buffer tensor it returns (notes/onnxruntime-node-gpu-buffers.md).
   */
  readonly outputLocation?: 'gpu-buffer' | Readonly<Record<string, 'cpu' | 'gpu-buffer'>>;
}

export async function createSession(model: Uint8Array, device: Device, options: SessionOptions = {}): Promise<Session> {
  const executionProviders: ort.InferenceSession.ExecutionProviderConfig[] =
    device === 'cpu' ? ['cpu'] : device === 'cuda' ? ['cuda', 'cpu'] : ['webgpu', 'cpu'];
  return ort.InferenceSession.create(model, {
    executionProviders,
    graphOptimizationLevel: 'all',
    // Warnings such as "shape ops assigned to CPU" are expected with GPU providers; errors still show.
    logSeverityLevel: 3,
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.outputLocation && device !== 'cpu' ? { preferredOutputLocation: options.outputLocation } : {}),
  });
}

/** The encoder's feeds from a padded, row-major [batch, seqLen] batch (token types only where the architecture takes them). */
export function encoderFeeds(
  b: { readonly inputIds: BigInt64Array; readonly attentionMask: BigInt64Array; readonly tokenTypeIds: BigInt64Array },
  batch: number,
  seqLen: number,
  config: Pick<EncoderConfig, 'modelType'>,
): Record<string, ort.Tensor> {
  const shape = [batch, seqLen];
  return {
    input_ids: new ort.Tensor('int64', b.inputIds, shape),
    attention_mask: new ort.Tensor('int64', b.attentionMask, shape),
    ...(architectureOf(config).tokenTypeInput ? { token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, shape) } : {}),
  };
}
