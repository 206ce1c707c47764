/**
 * The subset of onnx.proto (ONNX IR v8) that our graphs use, encoded with protobufjs.
 * Field numbers are those of onnx/onnx.proto; keeping the schema as proto text makes it
 * checkable against the upstream file line by line.
 */
import protobuf from 'protobufjs';

const ONNX_PROTO = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
  }
  optional string name = 1;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
export const ModelProto = root.lookupType('onnx.ModelProto');

/** onnx.TensorProto.DataType values. */
export const OnnxDataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
} as const;

export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

const GraphProto = root.lookupType('onnx.GraphProto');
const TensorProto = root.lookupType('onnx.TensorProto');

/** Field tags (field number << 3 | wire type 2, length-delimited) of the fields framed by hand below. */
const MODEL_GRAPH = (7 << 3) | 2;
const GRAPH_INITIALIZER = (5 << 3) | 2;
const TENSOR_RAW_DATA = (9 << 3) | 2;

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

export interface InitializerBytes {
  /** TensorProto fields other than raw_data (name, dims, data_type), as protobufjs objects. */
  readonly header: Record<string, unknown>;
  readonly raw: Uint8Array;
}

/**
 * ModelProto bytes with the initializers' raw data copied exactly once, straight into the
 * result. protobufjs copies every bytes field twice on the way (hundreds of MB and seconds for
 * a base-size model), so the weights are framed by hand: protobuf fields may come in any
 * order, so the model is its other fields, then the graph field, whose body is the graph's
 * other fields followed by one `initializer` field per tensor.
 */
export function encodeModel(model: Record<string, unknown>, graph: Record<string, unknown>, initializers: readonly InitializerBytes[]): Uint8Array {
  const modelHead = ModelProto.encode(ModelProto.fromObject(model)).finish();
  const graphHead = GraphProto.encode(GraphProto.fromObject(graph)).finish();
  const tensors = initializers.map((init) => {
    const head = TensorProto.encode(TensorProto.fromObject(init.header)).finish();
    const body = head.length + 1 + varintLength(init.raw.length) + init.raw.length;
    return { head, raw: init.raw, body };
  });
  const graphBody = graphHead.length + tensors.reduce((s, t) => s + 1 + varintLength(t.body) + t.body, 0);
  const out = new Uint8Array(modelHead.length + 1 + varintLength(graphBody) + graphBody);
  out.set(modelHead, 0);
  let at = modelHead.length;
  out[at++] = MODEL_GRAPH;
  at = writeVarint(out, at, graphBody);
  out.set(graphHead, at);
  at += graphHead.length;
  for (const t of tensors) {
    out[at++] = GRAPH_INITIALIZER;
    at = writeVarint(out, at, t.body);
    out.set(t.head, at);
    at += t.head.length;
    out[at++] = TENSOR_RAW_DATA;
    at = writeVarint(out, at, t.raw.length);
    out.set(t.raw, at);
    at += t.raw.length;
  }
  return out;
}
