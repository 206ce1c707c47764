/**
 * A tensor-expression builder that records typed values with symbolic shapes and emits an
 * ONNX ModelProto. Ops live in ./ops, one file per family; each op appends a node here and
 * attaches the rule that differentiates it, so `grad()` can sweep the recorded nodes backwards.
 */
import { ModelProto, OnnxDataType, AttributeType } from './onnx-proto.js';

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';

/** Float values carry gradients; integer and bool values (ids, shapes, masks) do not. */
export const isFloat = (t: DType): boolean => t === 'float32' || t === 'float64';
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
  readonly data: FloatArray | BigInt64Array | Int32Array | Uint8Array;
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
  /** Element type of every floating value: float64 makes exact gradient checks possible. */
  readonly floatType?: 'float32' | 'float64';
  readonly name?: string;
}

export class Graph {
  readonly floatType: 'float32' | 'float64';
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

  constructor(options: GraphOptions = {}) {
    this.floatType = options.floatType ?? 'float32';
    this.name = options.name ?? 'sentence_lens';
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

  /** A scalar of the graph's float type. */
  scalar(x: number): Value {
    return this.constant([x], this.floatType, []);
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
    return t;
  }

  /** Serialise as an ONNX model (opset 17). Output names are applied with Identity nodes. */
  toBytes(metadata: Record<string, string> = {}): Uint8Array {
    const renames = this.outputs.filter((o) => o.value.name !== o.name);
    const nodeProtos = this.nodes.map((n, i) => nodeProto(n, i));
    renames.forEach((o, i) => nodeProtos.push({ input: [o.value.name], output: [o.name], op_type: 'Identity', name: `output_${i}`, domain: '', attribute: [] }));
    const trainable = this.trainableParams.map((p) => p.value);
    const graph = {
      name: this.name,
      node: nodeProtos,
      initializer: this.initializers.map(tensorProto),
      input: [...this.inputs, ...trainable].map((v) => valueInfo(v.name, v)),
      output: this.outputs.map((o) => valueInfo(o.name, o.value)),
    };
    const model = {
      ir_version: 8,
      opset_import: [...this.domains].map(([domain, version]) => ({ domain, version })),
      producer_name: 'sentence-lens',
      producer_version: '0.1.0',
      graph,
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }
}

function typedArrayFor(dtype: DType, values: readonly number[] | readonly bigint[]): TensorData['data'] {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values as number[], Number);
    case 'float64':
      return Float64Array.from(values as number[], Number);
    case 'int64':
      return BigInt64Array.from(values as bigint[], (x) => BigInt(x));
    case 'int32':
      return Int32Array.from(values as number[], Number);
    case 'bool':
      return Uint8Array.from(values as number[], Number);
  }
}

function tensorProto(init: Initializer) {
  const d = init.tensor.data;
  return {
    name: init.name,
    dims: init.tensor.shape.map(Number),
    data_type: OnnxDataType[init.dtype],
    raw_data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
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
