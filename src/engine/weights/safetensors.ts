/**
 * Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
 * 8-byte little-endian header length N, N bytes of JSON header, then the raw tensor bytes.
 * Written by hand because no well-kept npm parser exists and we need errors that name the
 * file and say what was expected.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { SentenceLensError } from '../errors.js';
import { f32ToHalf, halfToF32 } from './half-float.js';

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

/** Fills `into` from the file at `position`; one read call moves at most 1 GiB, so loop. */
async function readExactly(fh: FileHandle, into: Uint8Array, position: number): Promise<number> {
  const CHUNK = 1 << 30;
  let done = 0;
  while (done < into.length) {
    const want = Math.min(CHUNK, into.length - done);
    const { bytesRead } = await fh.read(into, done, want, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** One tensor's bytes → F32, read straight into the array that is returned (no file-sized buffer). */
async function readTensor(fh: FileHandle, dtype: SafetensorsFloatDtype, position: number, count: number): Promise<Float32Array> {
  if (dtype === 'F32') {
    const out = new Float32Array(count);
    await readExactly(fh, new Uint8Array(out.buffer), position);
    return out;
  }
  const half = new Uint16Array(count);
  await readExactly(fh, new Uint8Array(half.buffer), position);
  return halfToF32(half, dtype);
}

async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SentenceLensError('MISSING_FILE', `${path}: safetensors file not found`, { cause: e });
    }
    throw e;
  }
}

/** The JSON header and where the data section starts, checked against the file's size. */
async function readHeader(fh: FileHandle, path: string, fileSize: number): Promise<{ header: Record<string, unknown>; dataStart: number }> {
  if (fileSize < 8) {
    throw bad(path, `file is ${fileSize} bytes; a safetensors file starts with an 8-byte header length`);
  }
  const lenBytes = Buffer.alloc(8);
  await readExactly(fh, lenBytes, 0);
  const headerLen = lenBytes.readBigUInt64LE(0);
  if (headerLen > BigInt(fileSize - 8)) {
    throw bad(path, `header length is ${headerLen} bytes but only ${fileSize - 8} bytes follow the length field`);
  }
  const n = Number(headerLen);
  const text = Buffer.alloc(n);
  await readExactly(fh, text, 8);
  let header: unknown;
  try {
    header = JSON.parse(text.toString('utf8'));
  } catch (e) {
    throw new SentenceLensError('BAD_SAFETENSORS', `${path}: header is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw bad(path, `header should be a JSON object, found ${Array.isArray(header) ? 'an array' : typeof header}`);
  }
  return { header: header as Record<string, unknown>, dataStart: 8 + n };
}

function readMetadata(path: string, raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw bad(path, `__metadata__ should be an object of strings, found ${JSON.stringify(raw)}`);
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw bad(path, `__metadata__["${k}"] should be a string, found ${JSON.stringify(v)}`);
    metadata[k] = v;
  }
  return metadata;
}

/** Checks an entry the caller wants against its dtype and the data section; returns its dtype. */
function checkWanted(path: string, name: string, entry: HeaderEntry, dataLen: number): SafetensorsFloatDtype {
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
  return entry.dtype;
}

/**
 * Reads the header, then only the tensors `filter` accepts, each straight into its own array:
 * memory holds what the caller keeps, never the whole file (a 2 GB checkpoint with an LM head
 * we skip, or files over Node's 2 GiB readFile limit).
 */
export async function readSafetensors(path: string, options: ReadSafetensorsOptions = {}): Promise<SafetensorsFile> {
  assertLittleEndianHost();
  const fh = await openForReading(path);
  try {
    const fileSize = (await fh.stat()).size;
    const { header, dataStart } = await readHeader(fh, path, fileSize);
    const dataLen = fileSize - dataStart;
    let metadata: Record<string, string> = {};
    const tensors = new Map<string, SafetensorsTensor>();
    for (const [name, raw] of Object.entries(header)) {
      if (name === METADATA_KEY) {
        metadata = readMetadata(path, raw);
        continue;
      }
      const entry = parseEntry(path, name, raw);
      if (options.filter && !options.filter(name)) continue;
      const dtype = checkWanted(path, name, entry, dataLen);
      const data = await readTensor(fh, dtype, dataStart + entry.begin, product(entry.shape));
      tensors.set(name, { dtype, shape: entry.shape, data });
    }
    return { tensors, metadata };
  } finally {
    await fh.close();
  }
}

export interface WritableTensor {
  shape: number[];
  data: Float32Array;
}

export interface WriteSafetensorsOptions {
  /** Stored dtype (default F32); F16/BF16 round each value to nearest, ties to even. */
  readonly dtype?: SafetensorsFloatDtype;
}

function checkedTensors(path: string, tensors: Iterable<[string, WritableTensor]>): Map<string, WritableTensor> {
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
  return byName;
}

/** Writes tensors sorted by name (as the Python library orders same-dtype tensors), atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Iterable<[string, WritableTensor]>,
  metadata?: Record<string, string>,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  assertLittleEndianHost();
  const dtype = options.dtype ?? 'F32';
  const byName = checkedTensors(path, tensors);
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bytesOf = (t: WritableTensor): Uint8Array => {
    const d = dtype === 'F32' ? t.data : f32ToHalf(t.data, dtype);
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  };

  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const name of names) {
    const t = byName.get(name)!;
    const bytes = t.data.length * DTYPE_BYTES[dtype]!;
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Padding to 8 keeps every F32 tensor aligned for readers that map the file.
  const padded = Math.ceil(json.length / 8) * 8;
  const head = Buffer.alloc(8 + padded, 0x20);
  head.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(head, 8);

  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(head);
    for (const name of names) {
      const t = byName.get(name)!;
      if (t.data.length > 0) await fh.write(bytesOf(t));
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
