/**
 * A minimal protobuf wire-format codec: enough to read ONNX models field by field and to write
 * new messages. Every decoded field keeps its exact source bytes, so a message re-encoded from
 * its fields is byte-identical and fields we have no schema for survive an edit untouched.
 */

/** Protobuf wire types: varint, 64-bit, length-delimited, 32-bit. */
export type WireType = 0 | 1 | 2 | 5;

/** One field occurrence of a message, in source order. */
export interface WireField {
  readonly no: number;
  readonly type: WireType;
  /** Varint fields: the value as a signed 64-bit integer (exact up to ±2^53). */
  readonly int: number;
  /** Length-delimited payload, or the raw 4/8 bytes of a fixed-width field. */
  readonly bytes: Uint8Array;
  /** The whole field as it appeared in the source: tag and value. */
  readonly raw: Uint8Array;
}

const TWO_32 = 2 ** 32;

class WireFormatError extends Error {}

/** Thrown for truncated or malformed protobuf bytes. */
export function isWireFormatError(error: unknown): error is Error {
  return error instanceof WireFormatError;
}

/** A cursor over protobuf bytes. */
export class WireReader {
  pos: number;
  readonly end: number;
  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Reads a varint as a signed 64-bit integer (two's complement), exact up to ±2^53. */
  varint(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) {
        throw new WireFormatError('truncated varint');
      }
      const b = this.buf[this.pos++] ?? 0;
      if (shift < 28) {
        lo |= (b & 0x7f) << shift;
      } else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else {
        hi |= (b & 0x7f) << (shift - 32);
      }
      shift += 7;
      if ((b & 0x80) === 0) {
        return (hi | 0) * TWO_32 + (lo >>> 0);
      }
    }
    throw new WireFormatError('varint longer than 10 bytes');
  }

  bytes(length: number): Uint8Array {
    if (length < 0 || this.pos + length > this.end) {
      throw new WireFormatError('field runs past the end of its message');
    }
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  /** Reads the next field, or undefined at the end. */
  field(): WireField | undefined {
    if (this.pos >= this.end) {
      return undefined;
    }
    const start = this.pos;
    const tag = this.varint();
    const no = Math.floor(tag / 8);
    const type = tag & 7;
    let int = 0;
    let bytes: Uint8Array;
    switch (type) {
      case 0:
        int = this.varint();
        bytes = this.buf.subarray(this.pos, this.pos);
        break;
      case 1:
        bytes = this.bytes(8);
        break;
      case 2:
        bytes = this.bytes(this.varint());
        break;
      case 5:
        bytes = this.bytes(4);
        break;
      default:
        throw new WireFormatError(`unsupported wire type ${type} (field ${no})`);
    }
    return { no, type, int, bytes, raw: this.buf.subarray(start, this.pos) };
  }
}

/** Splits a message into its fields (views into `buf`, nothing is copied). */
export function readFields(buf: Uint8Array): WireField[] {
  const reader = new WireReader(buf);
  const fields: WireField[] = [];
  for (let f = reader.field(); f !== undefined; f = reader.field()) {
    fields.push(f);
  }
  return fields;
}

/** Reads a repeated integer field that may be packed or not. */
export function readInts(fields: readonly WireField[], no: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.no !== no) {
      continue;
    }
    if (f.type === 0) {
      out.push(f.int);
    } else if (f.type === 2) {
      const r = new WireReader(f.bytes);
      while (r.pos < r.end) {
        out.push(r.varint());
      }
    }
  }
  return out;
}

/** Reads a repeated float field that may be packed or not. */
export function readFloats(fields: readonly WireField[], no: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.no !== no) {
      continue;
    }
    const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
    if (f.type === 5 || f.type === 2) {
      for (let i = 0; i + 4 <= f.bytes.byteLength; i += 4) {
        out.push(view.getFloat32(i, true));
      }
    }
  }
  return out;
}

const decoder = new TextDecoder();

export function readString(fields: readonly WireField[], no: number): string | undefined {
  let out: string | undefined;
  for (const f of fields) {
    if (f.no === no && f.type === 2) {
      out = decoder.decode(f.bytes); // last one wins, as in protobuf
    }
  }
  return out;
}

export function readStrings(fields: readonly WireField[], no: number): string[] {
  return fields.filter((f) => f.no === no && f.type === 2).map((f) => decoder.decode(f.bytes));
}

export function readInt(fields: readonly WireField[], no: number): number | undefined {
  let out: number | undefined;
  for (const f of fields) {
    if (f.no === no && f.type === 0) {
      out = f.int;
    }
  }
  return out;
}

export function readFloat(fields: readonly WireField[], no: number): number | undefined {
  let out: number | undefined;
  for (const f of fields) {
    if (f.no === no && f.type === 5) {
      out = new DataView(f.bytes.buffer, f.bytes.byteOffset, 4).getFloat32(0, true);
    }
  }
  return out;
}

export function readMessages(fields: readonly WireField[], no: number): WireField[][] {
  return fields.filter((f) => f.no === no && f.type === 2).map((f) => readFields(f.bytes));
}

const encoder = new TextEncoder();

/** Builds a message by appending fields; `finish()` returns the bytes. */
export class WireWriter {
  private chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(10);
  private length = 0;

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  /** Writes a signed 64-bit integer as a varint (negative numbers take 10 bytes). */
  rawVarint(value: number): this {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`varint ${value} is not a safe integer`);
    }
    let lo: number;
    let hi: number;
    if (value >= 0) {
      lo = value % TWO_32;
      hi = Math.floor(value / TWO_32);
    } else {
      const big = BigInt.asUintN(64, BigInt(value));
      lo = Number(big & 0xffffffffn);
      hi = Number(big >> 32n);
    }
    let n = 0;
    while (hi > 0 || lo > 0x7f) {
      this.scratch[n++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.scratch[n++] = lo;
    this.push(this.scratch.slice(0, n));
    return this;
  }

  private tag(no: number, type: WireType): this {
    return this.rawVarint(no * 8 + type);
  }

  int(no: number, value: number): this {
    return this.tag(no, 0).rawVarint(value);
  }

  float(no: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.tag(no, 5);
    this.push(b);
    return this;
  }

  bytes(no: number, value: Uint8Array): this {
    this.tag(no, 2).rawVarint(value.byteLength);
    this.push(value);
    return this;
  }

  string(no: number, value: string): this {
    return this.bytes(no, encoder.encode(value));
  }

  message(no: number, build: (w: WireWriter) => void): this {
    const inner = new WireWriter();
    build(inner);
    return this.bytes(no, inner.finish());
  }

  /** A packed repeated varint field. */
  packedInts(no: number, values: readonly number[]): this {
    const inner = new WireWriter();
    for (const v of values) {
      inner.rawVarint(v);
    }
    return this.bytes(no, inner.finish());
  }

  /** Copies fields verbatim (tag included). */
  raw(field: WireField | Uint8Array): this {
    this.push(field instanceof Uint8Array ? field : field.raw);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  }
}
