import { describe, expect, it } from 'vitest';

import { readFields, readFloats, readInts, WireReader, WireWriter } from './wire.ts';

describe('wire codec', () => {
  it('round-trips varints, including negative int64 and values above 2^32', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, -1, -2, -(2 ** 40)];
    const w = new WireWriter();
    values.forEach((v) => w.rawVarint(v));
    const bytes = w.finish();
    const r = new WireReader(bytes);
    expect(values.map(() => r.varint())).toEqual(values);
    expect(r.pos).toBe(bytes.length);
  });

  it('encodes -1 as the 10-byte two’s complement varint protobuf uses for int64', () => {
    expect(Array.from(new WireWriter().rawVarint(-1).finish())).toEqual([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
  });

  it('reads packed and unpacked repeated fields alike', () => {
    const bytes = new WireWriter()
      .packedInts(1, [3, 4])
      .int(1, 5)
      .float(2, 1.5)
      .bytes(2, new Uint8Array(new Float32Array([2.5, -3]).buffer))
      .finish();
    const fields = readFields(bytes);
    expect(readInts(fields, 1)).toEqual([3, 4, 5]);
    expect(readFloats(fields, 2)).toEqual([1.5, 2.5, -3]);
  });

  it('keeps the exact bytes of every field so unknown fields survive a rewrite', () => {
    const bytes = new WireWriter()
      .string(1, 'x')
      .message(99, (m) => m.int(7, -3).string(8, 'nested'))
      .raw(new Uint8Array([0x2d, 1, 2, 3, 4])) // field 5, fixed32
      .raw(new Uint8Array([0x31, 1, 2, 3, 4, 5, 6, 7, 8])) // field 6, fixed64
      .finish();
    const w = new WireWriter();
    readFields(bytes).forEach((f) => w.raw(f));
    expect(w.finish()).toEqual(bytes);
  });

  it('throws on truncated input', () => {
    const bytes = new WireWriter().string(1, 'hello').finish();
    expect(() => readFields(bytes.subarray(0, bytes.length - 1))).toThrow(/past the end/);
  });
});
