/** A float32 tensor as the engine passes weights around: row-major data and its shape. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type TensorMap = ReadonlyMap<string, Tensor>;
