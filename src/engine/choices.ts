/**
 * What a user can choose for a model, defined once: the devices, the poolings and the defaults
 * that the engine, the CLI, the model server, the editor's settings and pick lists and
 * package.json all use (test/unit/package-json.test.ts checks package.json against this module).
 * It imports nothing, so the extension bundles it without any model code.
 */

/** Where a model runs; `auto` picks the fastest that works (runtime/device.ts; for inference, measured: runtime/inference-device.ts). */
export const DEVICE_SETTINGS = ['auto', 'cpu', 'webgpu', 'cuda'] as const;
export type DeviceSetting = (typeof DEVICE_SETTINGS)[number];
/** A device actually used. */
export type Device = Exclude<DeviceSetting, 'auto'>;

export const DEVICE_DESCRIPTIONS: Readonly<Record<DeviceSetting, string>> = {
  auto: 'The fastest of the CPU and each available accelerator (CUDA, WebGPU), measured once per machine and model shape; never slower than the CPU',
  cpu: 'ONNX Runtime on the CPU',
  webgpu: 'ONNX Runtime WebGPU (Vulkan, D3D12 or Metal)',
  cuda: 'ONNX Runtime CUDA (install with ONNXRUNTIME_NODE_INSTALL=cuda12)',
};

/** How token vectors become one sentence vector. */
export const POOLINGS = ['mean', 'cls'] as const;
export type Pooling = (typeof POOLINGS)[number];

export const POOLING_DESCRIPTIONS: Readonly<Record<Pooling, string>> = {
  mean: 'Masked mean of the token vectors',
  cls: 'The [CLS] token vector',
};

/**
 * Tokens per sentence, [CLS] and [SEP] included; longer sentences are truncated. One default for
 * inference, training, evaluation, export, the CLI and the editor, so a sentence is cut the same
 * way everywhere (a model's max_position_embeddings caps it further).
 */
export const DEFAULT_MAX_LENGTH = 128;

/** Sentences per inference batch (sentences are bucketed by length first). */
export const DEFAULT_BATCH_SIZE = 32;

export function isPooling(value: unknown): value is Pooling {
  return (POOLINGS as readonly unknown[]).includes(value);
}

export function isDeviceSetting(value: unknown): value is DeviceSetting {
  return (DEVICE_SETTINGS as readonly unknown[]).includes(value);
}
