/**
 * Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
 * 8-byte little-endian header length N, N bytes of JSON header, then the raw tensor bytes.
 * Written by hand because no well-kept npm parser exists and we need errors that name the
 * file and say what was expected.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { SentenceLensError } from '../errors.js';

export type SafetensorsFloatDtype = 'F32' | 'F16' | 'BF16';

export interface SafetensorsTensor {
  /** The dtype stored in the file; `data` is always F32. */
  dtype: SafetensorsFloatDtype;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export interface ReadSafetensorsOptions {
  /** Tensors for which this returns false are neither converted nor checked beyond the header. */
  filter?: (name: string) => boolean;
}

/** Byte sizes of every dtype the format defines, so entries we skip can still be size-checked. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

const METADATA_KEY = '__metadata__';

function bad(path: string, message: string): SentenceLensError {
  return new SentenceLensError('BAD_SAFETENSORS', `${path}: ${message}`);
}

function assertLittleEndianHost(): void {
  // Typed-array views use host byte order, and the format is little-endian.
  if (endianness() !== 'LE') {
    throw new SentenceLensError('UNSUPPORTED', 'safetensors needs a little-endian machine');
  }
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function isNonNegativeInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function parseEntry(path: string, name: string, raw: unknown): HeaderEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw bad(path, `tensor "${name}": expected an object with dtype, shape, data_offsets; found ${JSON.stringify(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!(key in r)) throw bad(path, `tensor "${name}": header entry has no "${key}"`);
  }
  if (typeof r.dtype !== 'string') {
    throw bad(path, `tensor "${name}": dtype should be a string, found ${JSON.stringify(r.dtype)}`);
  }
  if (!Array.isArray(r.shape) || !r.shape.every(isNonNegativeInt)) {
    throw bad(path, `tensor "${name}": shape should be a list of non-negative integers, found ${JSON.stringify(r.shape)}`);
  }
  const offsets = r.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
    throw bad(path, `tensor "${name}": data_offsets should be [begin, end] with non-negative integers, found ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    throw bad(path, `tensor "${name}": data_offsets [${begin}, ${end}] are reversed (end before begin)`);
  }
  return { dtype: r.dtype, shape: r.shape as number[], begin, end };
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

let f16Table: Float32Array | undefined;

/** All 65,536 half-precision values decoded once: a table lookup beats bit twiddling per element. */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  f16Table = t;
  return t;
}

/** 16-bit words at an absolute byte offset, copied only when the offset is odd. */
function u16View(buf: Buffer, byteStart: number, count: number): Uint16Array {
  const abs = buf.byteOffset + byteStart;
  if (abs % 2 === 0) return new Uint16Array(buf.buffer, abs, count);
  const copy = new Uint8Array(count * 2);
  copy.set(buf.subarray(byteStart, byteStart + count * 2));
  return new Uint16Array(copy.buffer);
}

function toF32(buf: Buffer, dtype: SafetensorsFloatDtype, byteStart: number, count: number): Float32Array {
  if (dtype === 'F32') {
    const abs = buf.byteOffset + byteStart;
    // A view keeps the file buffer alive but avoids copying hundreds of megabytes.
    if (abs % 4 === 0) return new Float32Array(buf.buffer, abs, count);
    const copy = new Uint8Array(count * 4);
    copy.set(buf.subarray(byteStart, byteStart + count * 4));
    return new Float32Array(copy.buffer);
  }
  const src = u16View(buf, byteStart, count);
  const out = new Float32Array(count);
  if (dtype === 'F16') {
    const table = halfTable();
    for (let i = 0; i < count; i++) out[i] = table[src[i]!]!;
  } else {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = src[i]! << 16;
  }
  return out;
}

export async function readSafetensors(path: string, options: ReadSafetensorsOptions = {}): Promise<SafetensorsFile> {
  assertLittleEndianHost();
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SentenceLensError('MISSING_FILE', `${path}: safetensors file not found`, { cause: e });
    }
    throw e;
  }
  if (buf.length < 8) {
    throw bad(path, `file is ${buf.length} bytes; a safetensors file starts with an 8-byte header length`);
  }
  const headerLen = buf.readBigUInt64LE(0);
  if (headerLen > BigInt(buf.length - 8)) {
    throw bad(path, `header length is ${headerLen} bytes but only ${buf.length - 8} bytes follow the length field`);
  }
  const n = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + n));
  } catch (e) {
    throw new SentenceLensError('BAD_SAFETENSORS', `${path}: header is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw bad(path, `header should be a JSON object, found ${Array.isArray(header) ? 'an array' : typeof header}`);
  }

  const dataStart = 8 + n;
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensor>();
  const filter = options.filter;

  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw bad(path, `__metadata__ should be an object of strings, found ${JSON.stringify(raw)}`);
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw bad(path, `__metadata__["${k}"] should be a string, found ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const entry = parseEntry(path, name, raw);
    if (filter && !filter(name)) continue;

    const size = DTYPE_BYTES[entry.dtype];
    if (entry.dtype !== 'F32' && entry.dtype !== 'F16' && entry.dtype !== 'BF16') {
      throw new SentenceLensError(
        'UNSUPPORTED',
        `${path}: tensor "${name}" has dtype ${entry.dtype}${size === undefined ? ' (not a safetensors dtype)' : ''}; expected F32, F16 or BF16`,
      );
    }
    const count = product(entry.shape);
    if (entry.end - entry.begin !== count * size!) {
      throw bad(
        path,
        `tensor "${name}": data_offsets [${entry.begin}, ${entry.end}] span ${entry.end - entry.begin} bytes but shape [${entry.shape.join(', ')}] × ${entry.dtype} needs ${count * size!}`,
      );
    }
    if (entry.end > dataLen) {
      throw bad(
        path,
        `tensor "${name}": data ends at byte ${entry.end} of the data section but the file has only ${dataLen} data bytes (truncated or offsets out of range)`,
      );
    }
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data: toF32(buf, entry.dtype, dataStart + entry.begin, count) });
  }
  return { tensors, metadata };
}

export interface WritableTensor {
  shape: number[];
  data: Float32Array;
}

/** Writes F32 tensors sorted by name (as the Python library orders same-dtype tensors), atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Iterable<[string, WritableTensor]>,
  metadata?: Record<string, string>,
): Promise<void> {
  assertLittleEndianHost();
  const byName = new Map<string, WritableTensor>();
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) {
      throw new SentenceLensError('BAD_ARGUMENT', `${path}: "${METADATA_KEY}" is reserved and cannot name a tensor`);
    }
    if (byName.has(name)) throw new SentenceLensError('BAD_ARGUMENT', `${path}: tensor "${name}" given twice`);
    if (!t.shape.every(isNonNegativeInt) || product(t.shape) !== t.data.length) {
      throw new SentenceLensError(
        'BAD_TENSOR_SHAPE',
        `${path}: tensor "${name}" has shape [${t.shape.join(', ')}] (${product(t.shape)} values) but ${t.data.length} values`,
      );
    }
    byName.set(name, t);
  }
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const name of names) {
    const t = byName.get(name)!;
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Padding to 8 keeps every F32 tensor aligned, so readers can take zero-copy views.
  const padded = Math.ceil(json.length / 8) * 8;
  const head = Buffer.alloc(8 + padded, 0x20);
  head.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(head, 8);

  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(head);
    for (const name of names) {
      const d = byName.get(name)!.data;
      if (d.length > 0) await fh.write(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
