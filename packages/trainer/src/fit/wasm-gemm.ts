/**
 * `A·Bᵀ` for float64 matrices in WebAssembly 128-bit SIMD (two lanes of f64), the head fit's hot
 * loop. The module is assembled here from its instructions (about 300 bytes; no toolchain, no
 * binary blob in the repository) and compiled once per process.
 *
 * The kernel takes byte offsets into its memory and requires `m % 4 = 0`, `p % 2 = 0`,
 * `k % 2 = 0`: callers pad their matrices with zeros (see {@link WasmArena}). Each output is
 * `Σ_j a[i,j]·b[o,j]` summed in a fixed order with separate multiply and add (no fused
 * multiply-add), so results are identical on every machine.
 */

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) {
      byte |= 0x80;
    }
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) {
      return out;
    }
  }
}

const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f64Store: 0x39,
  f64Add: 0xa0,
  simd: 0xfd,
} as const;
const simd = { load: 0x00, const: 0x0c, f64x2ExtractLane: 0x21, f64x2Add: 240, f64x2Mul: 242 } as const;
const VOID = 0x40;
const I32 = 0x7f;
const V128 = 0x7b;

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** The bytes of a module that imports `env.memory` and exports `gemm(a, b, out, m, p, k)`. */
export function gemmModuleBytes(): Uint8Array {
  // Parameters: 0 a, 1 b, 2 out, 3 m, 4 p, 5 k (byte offsets and counts, i32).
  const [A, B, OUT, M, P, K] = [0, 1, 2, 3, 4, 5];
  // i32 locals.
  const [I, O, J, KB, RA0, RA1, RA2, RA3, RB0, RB1, PO] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const i32Locals = 11;
  // v128 locals: eight accumulators, then x0…x3 and w0, w1.
  const ACC = 17;
  const [X0, X1, X2, X3, W0, W1] = [25, 26, 27, 28, 29, 30];
  const v128Locals = 14;

  const get = (l: number): number[] => [op.localGet, ...uleb(l)];
  const set = (l: number): number[] => [op.localSet, ...uleb(l)];
  const tee = (l: number): number[] => [op.localTee, ...uleb(l)];
  const i32 = (v: number): number[] => [op.i32Const, ...sleb(v)];
  const s = (code: number): number[] => [op.simd, ...uleb(code)];
  const load = (base: number): number[] => [...get(base), ...get(J), op.i32Add, ...s(simd.load), 4, 0];
  const zero = [...s(simd.const), ...new Array<number>(16).fill(0)];
  /** acc[r][c] += x_r · w_c */
  const mac = (r: number, c: number): number[] => [
    ...get(ACC + 2 * r + c),
    ...get(X0 + r),
    ...get(W0 + c),
    ...s(simd.f64x2Mul),
    ...s(simd.f64x2Add),
    ...set(ACC + 2 * r + c),
  ];
  /** out[(i + r)·p + o + c] = lane0 + lane1 of acc[r][c] */
  const store = (r: number, c: number): number[] => [
    ...get(PO),
    ...(r === 0 ? [] : [...get(P), ...i32(3), op.i32Shl, ...i32(r), op.i32Mul, op.i32Add]),
    ...get(ACC + 2 * r + c),
    ...s(simd.f64x2ExtractLane),
    0,
    ...get(ACC + 2 * r + c),
    ...s(simd.f64x2ExtractLane),
    1,
    op.f64Add,
    op.f64Store,
    3,
    ...uleb(8 * c),
  ];

  const body: number[] = [
    // kb = k·8 (row stride in bytes)
    ...get(K),
    ...i32(3),
    op.i32Shl,
    ...set(KB),
    ...i32(0),
    ...set(I),
    op.block,
    VOID,
    op.loop,
    VOID,
    ...get(I),
    ...get(M),
    op.i32GeU,
    op.brIf,
    1,
    // ra0…ra3 = a + (i + r)·kb
    ...get(A),
    ...get(I),
    ...get(KB),
    op.i32Mul,
    op.i32Add,
    ...tee(RA0),
    ...get(KB),
    op.i32Add,
    ...tee(RA1),
    ...get(KB),
    op.i32Add,
    ...tee(RA2),
    ...get(KB),
    op.i32Add,
    ...set(RA3),
    ...i32(0),
    ...set(O),
    op.block,
    VOID,
    op.loop,
    VOID,
    ...get(O),
    ...get(P),
    op.i32GeU,
    op.brIf,
    1,
    ...get(B),
    ...get(O),
    ...get(KB),
    op.i32Mul,
    op.i32Add,
    ...tee(RB0),
    ...get(KB),
    op.i32Add,
    ...set(RB1),
    ...Array.from({ length: 8 }, (_, q) => [...zero, ...set(ACC + q)]).flat(),
    ...i32(0),
    ...set(J),
    op.block,
    VOID,
    op.loop,
    VOID,
    ...get(J),
    ...get(KB),
    op.i32GeU,
    op.brIf,
    1,
    ...load(RB0),
    ...set(W0),
    ...load(RB1),
    ...set(W1),
    ...load(RA0),
    ...set(X0),
    ...mac(0, 0),
    ...mac(0, 1),
    ...load(RA1),
    ...set(X1),
    ...mac(1, 0),
    ...mac(1, 1),
    ...load(RA2),
    ...set(X2),
    ...mac(2, 0),
    ...mac(2, 1),
    ...load(RA3),
    ...set(X3),
    ...mac(3, 0),
    ...mac(3, 1),
    ...get(J),
    ...i32(16),
    op.i32Add,
    ...set(J),
    op.br,
    0,
    op.end,
    op.end,
    // po = out + (i·p + o)·8
    ...get(OUT),
    ...get(I),
    ...get(P),
    op.i32Mul,
    ...get(O),
    op.i32Add,
    ...i32(3),
    op.i32Shl,
    op.i32Add,
    ...set(PO),
    ...store(0, 0),
    ...store(0, 1),
    ...store(1, 0),
    ...store(1, 1),
    ...store(2, 0),
    ...store(2, 1),
    ...store(3, 0),
    ...store(3, 1),
    ...get(O),
    ...i32(2),
    op.i32Add,
    ...set(O),
    op.br,
    0,
    op.end,
    op.end,
    ...get(I),
    ...i32(4),
    op.i32Add,
    ...set(I),
    op.br,
    0,
    op.end,
    op.end,
    op.end,
  ];
  const locals = vec([
    [...uleb(i32Locals), I32],
    [...uleb(v128Locals), V128],
  ]);
  const code = [...locals, ...body];

  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // type 0: (i32 × 6) → ()
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0]])),
    // import env.memory (min 1 page)
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 1]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('gemm'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ];
  return Uint8Array.from(bytes);
}

type GemmFn = (a: number, b: number, out: number, m: number, p: number, k: number) => void;

/** The part of the WebAssembly JS API used here (the ES2024 lib and @types/node do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
}
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;

function gemmModule(): WasmModule | null {
  if (compiled === undefined) {
    const bytes = gemmModuleBytes();
    compiled = wasmApi?.validate(bytes) === true ? new wasmApi.Module(bytes) : null;
  }
  return compiled;
}

/** Whether this runtime runs the SIMD kernel (every Node ≥ 16.4 does). */
export function wasmGemmAvailable(): boolean {
  return gemmModule() !== null;
}

/**
 * One WebAssembly memory with the kernel bound to it, used as a bump allocator of zero-filled,
 * 16-byte aligned float64 arrays. A fit takes an arena with {@link acquireArena}, lays out its
 * matrices, takes views once the layout is complete (growing the memory detaches older views), and
 * gives it back with {@link releaseArena}. Reusing one instance keeps the kernel the same function
 * object from fit to fit, so the optimised JavaScript that calls it stays valid.
 */
export class WasmArena {
  readonly #memory: WasmMemory;
  readonly #gemm: GemmFn;
  #top = 0;

  constructor(api: WasmApi, module: WasmModule) {
    this.#memory = new api.Memory({ initial: 1 });
    const instance = new api.Instance(module, { env: { memory: this.#memory } });
    this.#gemm = instance.exports['gemm'] as GemmFn;
  }

  /** Size of the memory in bytes. */
  get bytes(): number {
    return this.#memory.buffer.byteLength;
  }

  /** Forgets every allocation and zero-fills the first `bytes` bytes for the next layout. */
  reset(bytes: number): void {
    this.#top = 0;
    const have = this.#memory.buffer.byteLength;
    if (bytes > have) {
      this.#memory.grow(Math.ceil((bytes - have) / 65536));
    }
    new Uint8Array(this.#memory.buffer, 0, Math.min(bytes, this.#memory.buffer.byteLength)).fill(0);
  }

  /** Reserves `length` float64 values and returns their byte offset. */
  alloc(length: number): number {
    const offset = this.#top;
    this.#top += Math.ceil((length * 8) / 16) * 16;
    const have = this.#memory.buffer.byteLength;
    if (this.#top > have) {
      this.#memory.grow(Math.ceil((this.#top - have) / 65536));
    }
    return offset;
  }

  /** A view of `length` float64 values at `offset` (take views after the last `alloc`). */
  view(offset: number, length: number): Float64Array {
    return new Float64Array(this.#memory.buffer, offset, length);
  }

  /** `out = A·Bᵀ`, A `m × k` at byte offset `a`, B `p × k` at `b`; m % 4 = p % 2 = k % 2 = 0. */
  gemm(a: number, b: number, out: number, m: number, p: number, k: number): void {
    this.#gemm(a, b, out, m, p, k);
  }
}

const idle: WasmArena[] = [];

/** An arena of at least `bytes` zeroed bytes that no running fit uses; undefined without SIMD. */
export function acquireArena(bytes: number): WasmArena | undefined {
  const module = gemmModule();
  if (module === null || wasmApi === undefined) {
    return undefined;
  }
  const arena = idle.pop() ?? new WasmArena(wasmApi, module);
  arena.reset(bytes);
  return arena;
}

/** Returns an arena for the next fit; at most two of at most 64 MiB each are kept. */
export function releaseArena(arena: WasmArena): void {
  if (idle.length < 2 && arena.bytes <= 64 * 1024 * 1024) {
    idle.push(arena);
  }
}
