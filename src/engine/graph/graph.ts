/**
 * A tensor-expression builder that records typed values with symbolic shapes and emits an
 * ONNX ModelProto. Ops live in ./ops, one file per family; each op appends a node here and
 * attaches the rule that differentiates it, so `grad()` can sweep the recorded nodes backwards.
 */
import { FLOAT16_MAX, toFloat16 } from './float16.js';
import { AttributeType, encodeModel, type InitializerBytes, OnnxDataType } from './onnx-proto.js';

export type DType = 'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';
/** The element types a graph computes in: float64 for exact gradient checks, float16 for fast GPU inference. */
export type FloatType = 'float32' | 'float64' | 'float16';

/** Float values carry gradients; integer and bool values (ids, shapes, masks) do not. */
export const isFloat = (t: DType): boolean => t === 'float32' || t === 'float64' || t === 'float16';
/** A dimension: a known size, or a symbol (batch, seq, …) fixed only when the model runs. */
export type Dim = number | string;
export type Shape = readonly Dim[];

export type AttrValue = number | string | number[] | { floats: number[] } | { float: number };
export type Attrs = Record<string, AttrValue>;

/**
 * Backward rule for one node: given the gradients flowing into its outputs (undefined where
 * none flows), emit nodes computing the gradients of its inputs (undefined for inputs that
 * need none). `needs[i]` says whether input i is on a path to a trainable parameter.
 */
export type BackwardRule = (g: Graph, node: Node, outGrads: (Value | undefined)[], needs: boolean[]) => (Value | undefined)[];

export interface Node {
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly attrs: Attrs;
  readonly backward?: BackwardRule;
}

export type ValueKind = 'input' | 'param' | 'constant' | 'computed';

export class Value {
  producer?: Node;
  constructor(
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: ValueKind,
  ) {}

  get rank(): number {
    return this.shape.length;
  }
}

export type FloatArray = Float32Array | Float64Array;
export interface TensorData {
  readonly shape: readonly number[];
  /** float16 data is a Uint16Array of IEEE half-precision bit patterns (see float16.ts). */
  readonly data: FloatArray | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array;
}

export interface Parameter {
  readonly value: Value;
  readonly trainable: boolean;
  readonly tensor: TensorData;
}

interface Initializer {
  readonly name: string;
  readonly dtype: DType;
  readonly tensor: TensorData;
}

export interface GraphOptions {
  /**
   * Element type of every floating value: float64 makes exact gradient checks possible;
   * float16 halves weights and activations for GPU inference (parameters given as float32
   * are converted when added).
   */
  readonly floatType?: FloatType;
  readonly name?: string;
  /**
   * Replaces `linear` on a frozen weight with another spelling of the same product (int8
   * integer GEMMs: model/precision.ts). Returns undefined to keep the plain Gemm.
   */
  readonly lowerLinear?: LinearLowering;
}

/**
 * See GraphOptions.lowerLinear: `weight` is the frozen weight's tensor, PyTorch layout
 * [out, in], and `name` its parameter name.
 */
export type LinearLowering = (g: Graph, x: Value, weight: TensorData, bias: Value | undefined, name: string) => Value | undefined;

export class Graph {
  readonly floatType: FloatType;
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly params: Parameter[] = [];
  private readonly outputs: { value: Value; name: string }[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, Value>();
  private counter = 0;
  readonly domains = new Map<string, number>([['', 17]]);
  private readonly name: string;
  readonly lowerLinear?: LinearLowering;

  constructor(options: GraphOptions = {}) {
    this.floatType = options.floatType ?? 'float32';
    this.name = options.name ?? 'sentence_lens';
    this.lowerLinear = options.lowerLinear;
  }

  private uniqueName(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    const v = new Value(this.uniqueName(name), dtype, shape, 'input');
    this.inputs.push(v);
    return v;
  }

  /**
   * A weight. Trainable ones become graph inputs (fed each step, differentiated); frozen ones
   * become initializers, which ONNX Runtime can constant-fold and which get no gradient nodes.
   */
  parameter(name: string, tensor: TensorData, trainable: boolean): Value {
    const v = new Value(this.uniqueName(name), this.floatType, tensor.shape, 'param');
    this.params.push({ value: v, trainable, tensor });
    if (!trainable) this.initializers.push({ name: v.name, dtype: this.floatType, tensor: this.toFloatType(tensor) });
    return v;
  }

  /** Constant tensor; identical small constants are shared. */
  constant(values: readonly number[] | readonly bigint[], dtype: DType, shape: readonly number[] = [values.length]): Value {
    const key = `${dtype}|${shape.join(',')}|${values.join(',')}`;
    const cached = values.length <= 16 ? this.constCache.get(key) : undefined;
    if (cached) return cached;
    const v = new Value(this.uniqueName('const'), dtype, shape, 'constant');
    this.initializers.push({ name: v.name, dtype, tensor: { shape, data: typedArrayFor(dtype, values) } });
    if (values.length <= 16) this.constCache.set(key, v);
    return v;
  }

  /** A constant tensor given as typed data (large weights: no detour through a number array). */
  tensorConstant(tensor: TensorData, dtype: DType, hint = 'const'): Value {
    const v = new Value(this.uniqueName(hint), dtype, tensor.shape, 'constant');
    this.initializers.push({ name: v.name, dtype, tensor });
    return v;
  }

  /** The data of a frozen parameter (an initializer), as given; undefined for anything else. */
  frozenTensor(v: Value): TensorData | undefined {
    if (v.kind !== 'param') return undefined;
    const p = this.params.find((q) => q.value === v);
    return p && !p.trainable ? p.tensor : undefined;
  }

  /**
   * A scalar of the graph's float type. In float16 a value beyond its range saturates to
   * ±65504 rather than becoming ±∞, so "very negative" constants (attention masks) stay finite
   * and 0·c stays 0 instead of NaN.
   */
  scalar(x: number): Value {
    const v = this.floatType === 'float16' ? Math.max(-FLOAT16_MAX, Math.min(FLOAT16_MAX, x)) : x;
    return this.constant([v], this.floatType, []);
  }

  int64s(values: readonly number[]): Value {
    return this.constant(values.map((x) => BigInt(x)), 'int64', [values.length]);
  }

  /** Append a node; returns its outputs. Ops call this; model code calls the ops. */
  node(
    op: string,
    inputs: readonly Value[],
    outputs: readonly { dtype: DType; shape: Shape; name?: string }[],
    attrs: Attrs = {},
    backward?: BackwardRule,
    domain = '',
  ): Value[] {
    const outs = outputs.map((o) => new Value(this.uniqueName(o.name ?? `${op.toLowerCase()}_${this.nodes.length}`), o.dtype, o.shape, 'computed'));
    const node: Node = { op, domain, inputs, outputs: outs, attrs, backward };
    for (const o of outs) o.producer = node;
    this.nodes.push(node);
    if (domain && !this.domains.has(domain)) this.domains.set(domain, 1);
    return outs;
  }

  output(value: Value, name: string): void {
    this.outputs.push({ value, name });
  }

  get trainableParams(): Parameter[] {
    return this.params.filter((p) => p.trainable);
  }

  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  private toFloatType(t: TensorData): TensorData {
    if (this.floatType === 'float64' && t.data instanceof Float32Array) return { shape: t.shape, data: Float64Array.from(t.data) };
    if (this.floatType === 'float32' && t.data instanceof Float64Array) return { shape: t.shape, data: Float32Array.from(t.data) };
    if (this.floatType === 'float16' && (t.data instanceof Float32Array || t.data instanceof Float64Array)) return { shape: t.shape, data: toFloat16(t.data) };
    return t;
  }

  /** Serialise as an ONNX model (opset 17). Output names are applied with Identity nodes. */
  toBytes(metadata: Record<string, string> = {}): Uint8Array {
    const renames = this.outputs.filter((o) => o.value.name !== o.name);
    const nodeProtos = this.nodes.map((n, i) => nodeProto(n, i));
    renames.forEach((o, i) => nodeProtos.push({ input: [o.value.name], output: [o.name], op_type: 'Identity', name: `output_${i}`, domain: '', attribute: [] }));
    const trainable = this.trainableParams.map((p) => p.value);
    const used = new Set<string>([...this.nodes.flatMap((n) => n.inputs.map((v) => v.name)), ...this.outputs.map((o) => o.value.name)]);
    const graph = {
      name: this.name,
      node: nodeProtos,
      input: [...this.inputs, ...trainable].map((v) => valueInfo(v.name, v)),
      output: this.outputs.map((o) => valueInfo(o.name, o.value)),
    };
    const model = {
      ir_version: 8,
      opset_import: [...this.domains].map(([domain, version]) => ({ domain, version })),
      producer_name: 'sentence-lens',
      producer_version: '0.1.0',
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
    // Only initializers some node reads: a weight a lowering replaced (int8) is left out.
    return encodeModel(model, graph, this.initializers.filter((i) => used.has(i.name)).map(initializerBytes));
  }
}

function typedArrayFor(dtype: DType, values: readonly number[] | readonly bigint[]): TensorData['data'] {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values as number[], Number);
    case 'float64':
      return Float64Array.from(values as number[], Number);
    case 'float16':
      return toFloat16(Float64Array.from(values as number[], Number));
    case 'int8':
      return Int8Array.from(values as number[], Number);
    case 'uint8':
      return Uint8Array.from(values as number[], Number);
    case 'int64':
      return BigInt64Array.from(values as bigint[], (x) => BigInt(x));
    case 'int32':
      return Int32Array.from(values as number[], Number);
    case 'bool':
      return Uint8Array.from(values as number[], Number);
  }
}

function initializerBytes(init: Initializer): InitializerBytes {
  const d = init.tensor.data;
  return {
    header: { name: init.name, dims: init.tensor.shape.map(Number), data_type: OnnxDataType[init.dtype] },
    raw: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
  };
}

function valueInfo(name: string, v: Value) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: OnnxDataType[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function nodeProto(n: Node, i: number) {
  return {
    input: n.inputs.map((v) => v.name),
    output: n.outputs.map((v) => v.name),
    name: `${n.op}_${i}`,
    op_type: n.op,
    domain: n.domain,
    attribute: Object.entries(n.attrs).map(([name, a]) => attributeProto(name, a)),
  };
}

function attributeProto(name: string, a: AttrValue) {
  if (typeof a === 'number') {
    if (!Number.isInteger(a)) throw new Error(`attribute ${name}: use { float: x } for floats`);
    return { name, type: AttributeType.INT, i: a };
  }
  if (typeof a === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a) };
  if (Array.isArray(a)) return { name, type: AttributeType.INTS, ints: a };
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  return { name, type: AttributeType.FLOATS, floats: a.floats };
}
