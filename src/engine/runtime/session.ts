/** ONNX Runtime sessions over graph bytes, on the chosen device. */
import ort from 'onnxruntime-node';
import type { Device } from './device.js';

export type Session = ort.InferenceSession;
export { ort };

export interface SessionOptions {
  /** Threads for one op; defaults to ONNX Runtime's choice (all physical cores). */
  readonly intraOpThreads?: number;
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
  });
}
