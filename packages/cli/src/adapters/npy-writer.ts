import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Bytes reserved for the header so the row count can be rewritten in place at the end. */
const HEADER_BYTES = 128;

function header(rows: number, dim: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const text = dict.padEnd(HEADER_BYTES - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(HEADER_BYTES);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), preamble);
  return out;
}

/**
 * Streams float32 rows into a NumPy `.npy` file (version 1.0, little-endian `<f4`, C order,
 * shape [rows, dim]); `np.load(path)` reads it. The row count is patched into the fixed-size
 * header on close, so rows can be written as they are produced.
 */
export class NpyWriter {
  private rows = 0;
  private offset = HEADER_BYTES;
  private readonly file: FileHandle;
  readonly dim: number;

  private constructor(file: FileHandle, dim: number) {
    this.file = file;
    this.dim = dim;
  }

  static async create(path: string, dim: number): Promise<NpyWriter> {
    const file = await open(path, 'w');
    await file.write(header(0, dim), 0, HEADER_BYTES, 0);
    return new NpyWriter(file, dim);
  }

  async write(vectors: readonly Float32Array[]): Promise<void> {
    if (vectors.length === 0) {
      return;
    }
    const buf = new Uint8Array(vectors.length * this.dim * 4);
    const view = new DataView(buf.buffer);
    vectors.forEach((v, r) => {
      for (let k = 0; k < this.dim; k++) {
        view.setFloat32((r * this.dim + k) * 4, v[k] ?? 0, true);
      }
    });
    await this.file.write(buf, 0, buf.length, this.offset);
    this.offset += buf.length;
    this.rows += vectors.length;
  }

  get rowCount(): number {
    return this.rows;
  }

  async close(): Promise<void> {
    await this.file.write(header(this.rows, this.dim), 0, HEADER_BYTES, 0);
    await this.file.close();
  }
}

/** Reads a float32 `.npy` written by {@link NpyWriter} (tests, and `hub` tools reading features back). */
export function parseNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(8, true);
  const text = new TextDecoder().decode(bytes.subarray(10, 10 + len));
  const shape = (/'shape': \(([^)]*)\)/.exec(text)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const body = bytes.slice(10 + len);
  return { shape, data: new Float32Array(body.buffer, 0, body.byteLength / 4) };
}
