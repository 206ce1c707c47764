import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src/engine/weights/safetensors.js';
import { SentenceLensError } from '../../src/engine/errors.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sl-st-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A safetensors file from a header object and raw data bytes, built without our writer. */
function craft(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: string): Buffer {
  const json = Buffer.from(rawHeader ?? JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

function u16le(values: number[]): Uint8Array {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
}

async function expectError(path: string, code: string, pattern: RegExp, filter?: (n: string) => boolean): Promise<void> {
  await assert.rejects(readSafetensors(path, filter ? { filter } : {}), (e: unknown) => {
    assert.ok(e instanceof SentenceLensError, `expected SentenceLensError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.message.includes(path), `message should name the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('round trip of several tensors and metadata', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'm.safetensors');
    const a = new Float32Array([1, -2.5, 3e-8, 4e20, 0, -0]);
    const b = new Float32Array([Math.PI]);
    const c = new Float32Array(0);
    await writeSafetensors(
      p,
      [
        ['z.last', { shape: [2, 3], data: a }],
        ['a.first', { shape: [1], data: b }],
        ['m.empty', { shape: [0, 4], data: c }],
      ],
      { format: 'pt', note: 'hello' },
    );
    const { tensors, metadata } = await readSafetensors(p);
    assert.deepEqual(metadata, { format: 'pt', note: 'hello' });
    assert.deepEqual([...tensors.keys()], ['a.first', 'm.empty', 'z.last']);
    assert.deepEqual(tensors.get('z.last')!.shape, [2, 3]);
    assert.deepEqual([...tensors.get('z.last')!.data], [...a]);
    assert.equal(tensors.get('z.last')!.dtype, 'F32');
    assert.deepEqual([...tensors.get('a.first')!.data], [...b]);
    assert.deepEqual(tensors.get('m.empty')!.shape, [0, 4]);
    assert.equal(tensors.get('m.empty')!.data.length, 0);

    const bytes = await readFile(p);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    assert.equal(headerLen % 8, 0, 'header padded to a multiple of 8');
    const header = bytes.toString('utf8', 8, 8 + headerLen);
    assert.match(header, / *$/);
    const keys = Object.keys(JSON.parse(header));
    assert.deepEqual(keys, ['__metadata__', 'a.first', 'm.empty', 'z.last']);
  });
});

test('each tensor owns exactly its own data (skipped tensors are never held); misaligned data is read correctly', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'a.safetensors');
    await writeSafetensors(p, [['w', { shape: [3], data: new Float32Array([1, 2, 3]) }], ['big', { shape: [4096], data: new Float32Array(4096) }]]);
    const t = (await readSafetensors(p, { filter: (n) => n === 'w' })).tensors.get('w')!;
    assert.deepEqual([...t.data], [1, 2, 3]);
    assert.equal(t.data.buffer.byteLength, t.data.byteLength, 'no file-sized buffer behind the tensor');

    // Pad the header so the data starts at an offset that is not a multiple of 4.
    const data = Buffer.from(new Float32Array([5, -6]).buffer);
    const q = join(dir, 'misaligned.safetensors');
    let hdr = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    while ((8 + hdr.length) % 4 !== 3) hdr += ' ';
    await writeFile(q, craft(null, data, hdr));
    assert.deepEqual([...(await readSafetensors(q)).tensors.get('w')!.data], [5, -6]);
  });
});

test('F16 converts to F32: normal, negative, subnormal, infinity, zero', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'h.safetensors');
    // 1.0, -2.0, smallest subnormal 2^-24, +inf, -0, 65504 (max), 0.333 ≈ 0x3555
    const halves = [0x3c00, 0xc000, 0x0001, 0x7c00, 0x8000, 0x7bff, 0x3555];
    await writeFile(p, craft({ h: { dtype: 'F16', shape: [7], data_offsets: [0, 14] } }, u16le(halves)));
    const t = (await readSafetensors(p)).tensors.get('h')!;
    assert.equal(t.dtype, 'F16');
    assert.deepEqual([...t.data.slice(0, 6)], [1, -2, 2 ** -24, Infinity, -0, 65504]);
    assert.ok(Object.is(t.data[4], -0));
    assert.ok(Math.abs(t.data[6]! - 0.33325195) < 1e-7);
    // NaN survives
    await writeFile(p, craft({ h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, u16le([0x7e00])));
    assert.ok(Number.isNaN((await readSafetensors(p)).tensors.get('h')!.data[0]));
  });
});

test('BF16 converts to F32: normal, negative, subnormal, infinity', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'b.safetensors');
    // 1.0, -2.0, -infinity, smallest bf16 subnormal (2^-133), 3.140625
    const words = [0x3f80, 0xc000, 0xff80, 0x0001, 0x4049];
    await writeFile(p, craft({ b: { dtype: 'BF16', shape: [5], data_offsets: [0, 10] } }, u16le(words)));
    const t = (await readSafetensors(p)).tensors.get('b')!;
    assert.equal(t.dtype, 'BF16');
    assert.deepEqual([...t.data], [1, -2, -Infinity, Math.fround(2 ** -133), 3.140625]);
  });
});

test('odd-offset F16 data is read correctly', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'odd.safetensors');
    const header = '{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}';
    // Make 8 + header length odd.
    const raw = header.length % 2 === 0 ? header + ' ' : header;
    await writeFile(p, craft(null, u16le([0x3c00, 0xbc00]), raw));
    assert.deepEqual([...(await readSafetensors(p)).tensors.get('h')!.data], [1, -1]);
  });
});

test('malformed files are rejected with BAD_SAFETENSORS naming the file', async () => {
  await withDir(async (dir) => {
    let i = 0;
    const write = async (bytes: Uint8Array): Promise<string> => {
      const p = join(dir, `bad${i++}.safetensors`);
      await writeFile(p, bytes);
      return p;
    };
    const four = new Uint8Array(16);

    await expectError(await write(new Uint8Array(5)), 'BAD_SAFETENSORS', /5 bytes/);

    const tooLong = Buffer.alloc(12);
    tooLong.writeBigUInt64LE(1000n);
    await expectError(await write(tooLong), 'BAD_SAFETENSORS', /header length is 1000/);

    const huge = Buffer.alloc(8);
    huge.writeBigUInt64LE(0xffffffffffffffffn);
    await expectError(await write(huge), 'BAD_SAFETENSORS', /header length/);

    await expectError(await write(craft(null, four, '{"a": [1,')), 'BAD_SAFETENSORS', /not valid JSON/);
    await expectError(await write(craft([1, 2])), 'BAD_SAFETENSORS', /JSON object.*array/);
    await expectError(await write(craft(null, four, '42')), 'BAD_SAFETENSORS', /JSON object/);

    for (const missing of ['dtype', 'shape', 'data_offsets']) {
      const entry: Record<string, unknown> = { dtype: 'F32', shape: [4], data_offsets: [0, 16] };
      delete entry[missing];
      await expectError(await write(craft({ t: entry }, four)), 'BAD_SAFETENSORS', new RegExp(`"t".*no "${missing}"`));
    }
    await expectError(await write(craft({ t: 'nope' }, four)), 'BAD_SAFETENSORS', /"t".*expected an object/);
    await expectError(
      await write(craft({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 16] } }, four)),
      'BAD_SAFETENSORS',
      /shape/,
    );
    await expectError(
      await write(craft({ t: { dtype: 'F32', shape: [4], data_offsets: [16, 0] } }, four)),
      'BAD_SAFETENSORS',
      /reversed/,
    );
    await expectError(
      await write(craft({ t: { dtype: 'F32', shape: [4], data_offsets: [0] } }, four)),
      'BAD_SAFETENSORS',
      /data_offsets/,
    );
    await expectError(
      await write(craft({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, four)),
      'BAD_SAFETENSORS',
      /needs 12/,
    );
    await expectError(
      await write(craft({ t: { dtype: 'F32', shape: [4], data_offsets: [16, 32] } }, four)),
      'BAD_SAFETENSORS',
      /only 16 data bytes/,
    );
    // Truncated: the header promises 16 bytes, the file holds 10.
    await expectError(
      await write(craft({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(10))),
      'BAD_SAFETENSORS',
      /truncated/,
    );
    await expectError(
      await write(craft({ __metadata__: { a: 1 } }, four)),
      'BAD_SAFETENSORS',
      /__metadata__/,
    );
  });
});

test('unsupported dtypes give UNSUPPORTED naming tensor and dtype; filter skips them', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'mixed.safetensors');
    const ids = Buffer.alloc(16);
    ids.writeBigInt64LE(7n, 0);
    const f = Buffer.from(new Float32Array([1.5, 2.5]).buffer);
    await writeFile(
      p,
      craft(
        {
          position_ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
          w: { dtype: 'F32', shape: [2], data_offsets: [16, 24] },
        },
        Buffer.concat([ids, f]),
      ),
    );
    await expectError(p, 'UNSUPPORTED', /"position_ids".*I64/);
    const { tensors } = await readSafetensors(p, { filter: (n) => n !== 'position_ids' });
    assert.deepEqual([...tensors.keys()], ['w']);
    assert.deepEqual([...tensors.get('w')!.data], [1.5, 2.5]);

    const q = join(dir, 'f64.safetensors');
    await writeFile(q, craft({ d: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)));
    await expectError(q, 'UNSUPPORTED', /"d".*F64/);
  });
});

test('missing file gives MISSING_FILE', async () => {
  await assert.rejects(readSafetensors('/nonexistent/x.safetensors'), (e: unknown) => {
    assert.ok(e instanceof SentenceLensError);
    assert.equal(e.code, 'MISSING_FILE');
    assert.match(e.message, /\/nonexistent\/x\.safetensors/);
    return true;
  });
});

test('atomic write leaves no temp file and replaces an existing file', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'model.safetensors');
    await writeFile(p, 'old');
    await writeSafetensors(p, [['x', { shape: [2], data: new Float32Array([1, 2]) }]]);
    assert.deepEqual(await readdir(dir), ['model.safetensors']);
    assert.deepEqual([...(await readSafetensors(p)).tensors.get('x')!.data], [1, 2]);
  });
});

test('writer rejects a shape that does not match the data, and leaves nothing behind', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'bad.safetensors');
    await assert.rejects(
      writeSafetensors(p, [['x', { shape: [3], data: new Float32Array(2) }]]),
      (e: unknown) => e instanceof SentenceLensError && e.code === 'BAD_TENSOR_SHAPE' && /"x"/.test(e.message),
    );
    assert.deepEqual(await readdir(dir), []);
  });
});
