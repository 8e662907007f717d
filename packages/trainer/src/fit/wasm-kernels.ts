/**
 * The head fit's hot loops in WebAssembly: `gemm`, `A·Bᵀ` for float64 matrices in 128-bit SIMD
 * (two lanes of f64); `softmax`, the per-row part of the softmax-regression objective with its own
 * `exp`; and the L-BFGS vector passes `updateAndDot` and `secantPair`. The module is assembled
 * here from its instructions (about 1.6 kB; no toolchain, no binary blob in the repository) and
 * compiled once per process.
 *
 * `gemm` takes byte offsets into the memory and requires `m % 4 = 0`, `p % 2 = 0`, `k % 2 = 0`:
 * callers pad their matrices with zeros (see {@link WasmArena}). Every kernel sums in a fixed
 * order with separate multiply and add (no fused multiply-add), so results are identical on
 * every machine.
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
  select: 0x1b,
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i64Const: 0x42,
  f64Const: 0x44,
  i32Load: 0x28,
  f64Load: 0x2b,
  i32Eq: 0x46,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  i64Add: 0x7c,
  i64Shl: 0x86,
  f64Store: 0x39,
  f64Nearest: 0x9e,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
  f64Max: 0xa5,
  i64TruncF64S: 0xb0,
  i32TruncF64S: 0xaa,
  i32And: 0x71,
  i32ShrS: 0x75,
  i64ExtendI32S: 0xac,
  f64ReinterpretI64: 0xbf,
  simd: 0xfd,
} as const;
const simd = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  f64x2Splat: 0x14,
  f64x2ExtractLane: 0x21,
  f64x2Abs: 236,
  f64x2Add: 240,
  f64x2Sub: 241,
  f64x2Mul: 242,
  f64x2Max: 245,
} as const;
const VOID = 0x40;
const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  const bytes = Array.from(s, (ch) => ch.charCodeAt(0));
  return [...uleb(bytes.length), ...bytes];
}

/** Appends instructions to one array, without intermediate arrays: it runs before any JIT. */
class CodeWriter {
  readonly bytes: number[] = [];
  readonly #scratch = new DataView(new ArrayBuffer(8));

  raw(...b: number[]): this {
    for (let i = 0; i < b.length; i++) {
      this.bytes.push(b[i] as number);
    }
    return this;
  }

  uleb(n: number): this {
    let v = n;
    for (;;) {
      const byte = v & 0x7f;
      v >>>= 7;
      if (v === 0) {
        this.bytes.push(byte);
        return this;
      }
      this.bytes.push(byte | 0x80);
    }
  }

  get(l: number): this {
    this.bytes.push(op.localGet);
    return this.uleb(l);
  }

  set(l: number): this {
    this.bytes.push(op.localSet);
    return this.uleb(l);
  }

  tee(l: number): this {
    this.bytes.push(op.localTee);
    return this.uleb(l);
  }

  i32(v: number): this {
    this.bytes.push(op.i32Const);
    const b = sleb(v);
    for (let i = 0; i < b.length; i++) {
      this.bytes.push(b[i] as number);
    }
    return this;
  }

  f64(v: number): this {
    this.bytes.push(op.f64Const);
    this.#scratch.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) {
      this.bytes.push(this.#scratch.getUint8(i));
    }
    return this;
  }

  simd(code: number): this {
    this.bytes.push(op.simd);
    return this.uleb(code);
  }

  /** `block { loop { if (a >= b) break; …body…; continue } }` */
  loopWhileLess(a: number, b: number, body: () => void): this {
    this.raw(op.block, VOID, op.loop, VOID).get(a).get(b).raw(op.i32GeU, op.brIf, 1);
    body();
    return this.raw(op.br, 0, op.end, op.end);
  }
}

/** `gemm(a, b, out, m, p, k)`: locals and code of the matrix product. */
function gemmCode(): number[] {
  // Parameters: 0 a, 1 b, 2 out, 3 m, 4 p, 5 k (byte offsets and counts, i32).
  const [A, B, OUT, M, P, K] = [0, 1, 2, 3, 4, 5];
  // i32 locals.
  const [I, O, J, KB, RA0, RA1, RA2, RA3, RB0, RB1, PO] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const i32Locals = 11;
  // v128 locals: eight accumulators acc[r][c] at ACC + 2r + c, then x0…x3 and w0, w1.
  const ACC = 17;
  const [X0, W0] = [25, 29];
  const v128Locals = 14;

  const w = new CodeWriter();
  /** v128.load (base + j), 16-byte aligned */
  const load = (base: number): void => {
    w.get(base).get(J).raw(op.i32Add).simd(simd.load).raw(4, 0);
  };
  /** acc[r][c] += x_r · w_c */
  const mac = (r: number, c: number): void => {
    w.get(ACC + 2 * r + c)
      .get(X0 + r)
      .get(W0 + c)
      .simd(simd.f64x2Mul)
      .simd(simd.f64x2Add)
      .set(ACC + 2 * r + c);
  };
  /** out[(i + r)·p + o + c] = lane 0 + lane 1 of acc[r][c] */
  const store = (r: number, c: number): void => {
    w.get(PO);
    if (r > 0) {
      w.get(P).i32(3).raw(op.i32Shl).i32(r).raw(op.i32Mul, op.i32Add);
    }
    w.get(ACC + 2 * r + c)
      .simd(simd.f64x2ExtractLane)
      .raw(0)
      .get(ACC + 2 * r + c)
      .simd(simd.f64x2ExtractLane)
      .raw(1, op.f64Add, op.f64Store, 3)
      .uleb(8 * c);
  };

  // kb = k·8 (row stride in bytes); for i = 0; i < m; i += 4
  w.get(K).i32(3).raw(op.i32Shl).set(KB).i32(0).set(I);
  w.loopWhileLess(I, M, () => {
    // ra_r = a + (i + r)·kb
    w.get(A).get(I).get(KB).raw(op.i32Mul, op.i32Add).tee(RA0);
    w.get(KB).raw(op.i32Add).tee(RA1).get(KB).raw(op.i32Add).tee(RA2).get(KB).raw(op.i32Add).set(RA3);
    // for o = 0; o < p; o += 2
    w.i32(0).set(O);
    w.loopWhileLess(O, P, () => {
      w.get(B).get(O).get(KB).raw(op.i32Mul, op.i32Add).tee(RB0).get(KB).raw(op.i32Add).set(RB1);
      for (let q = 0; q < 8; q++) {
        w.simd(simd.const);
        for (let z = 0; z < 16; z++) {
          w.raw(0);
        }
        w.set(ACC + q);
      }
      // for j = 0; j < kb; j += 16 (two doubles of each row)
      w.i32(0).set(J);
      w.loopWhileLess(J, KB, () => {
        load(RB0);
        w.set(W0);
        load(RB1);
        w.set(W0 + 1);
        for (let r = 0; r < 4; r++) {
          load(RA0 + r);
          w.set(X0 + r);
          mac(r, 0);
          mac(r, 1);
        }
        w.get(J).i32(16).raw(op.i32Add).set(J);
      });
      // po = out + (i·p + o)·8
      w.get(OUT).get(I).get(P).raw(op.i32Mul).get(O).raw(op.i32Add).i32(3).raw(op.i32Shl, op.i32Add).set(PO);
      for (let r = 0; r < 4; r++) {
        store(r, 0);
        store(r, 1);
      }
      w.get(O).i32(2).raw(op.i32Add).set(O);
    });
    w.get(I).i32(4).raw(op.i32Add).set(I);
  });
  w.raw(op.end);

  return [2, ...uleb(i32Locals), I32, ...uleb(v128Locals), V128, ...w.bytes];
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** `2^(j/32)` for j < 32: the table `softmax` takes (see {@link softmaxCode}). */
export const expTable: readonly number[] = Array.from({ length: 32 }, (_, j) => 2 ** (j / 32));

/**
 * `softmax(scores, coefT, y, sw, sums, rows, stride, rowStride, c, table) → Σᵢ wᵢ·(s_i,yᵢ − maxᵢ)`,
 * the per-row part of the softmax-regression objective: for each row of `scores` (`stride` apart),
 * `e_k = exp(s_k − max)` in place, `sums[i] = Σ_k e_k`, and the scaled residuals
 * `coefT[k·rowStride + i] = wᵢ·(e_k / sum − [k = yᵢ])`. The caller adds `Σᵢ wᵢ·log(sums[i])`.
 *
 * `exp(d)` for `d ≤ 0`: `d = (32m + j)·ln2/32 + r` with `|r| ≤ ln2/64` (Cody–Waite split of
 * ln2/32, exact here), so `e^d = 2^m · 2^(j/32) · e^r`: `2^m` written straight into the exponent
 * bits, `2^(j/32)` from {@link expTable} (at byte offset `table`), `e^r` by its degree-6 Taylor
 * polynomial (truncation error below 4e-18). `d` is clamped at −708 (a term below 1e-307 of a sum
 * that is at least 1). Within a few ulp of `Math.exp`, with plain IEEE arithmetic: the same bits on
 * every machine.
 */
function softmaxCode(): number[] {
  const [SCORES, COEF, Y, SW, SUMS, ROWS, STRIDE, ROW_STRIDE, C, TABLE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [I, K, SO, YI, KI] = [10, 11, 12, 13, 14];
  const i32Locals = 5;
  const [MAX, WI, SUM, ACC, D, KF, Q] = [15, 16, 17, 18, 19, 20, 21];
  const f64Locals = 7;
  const w = new CodeWriter();
  /** pushes so + k·8 */
  const atK = (): void => {
    w.get(SO).get(K).i32(3).raw(op.i32Shl, op.i32Add);
  };
  const loadK = (): void => {
    atK();
    w.raw(op.f64Load, 3, 0);
  };

  w.i32(0).set(I);
  w.loopWhileLess(I, ROWS, () => {
    // so = scores + i·stride·8
    w.get(SCORES).get(I).get(STRIDE).raw(op.i32Mul).i32(3).raw(op.i32Shl, op.i32Add).set(SO);
    // max = max_k s_k
    w.get(SO).raw(op.f64Load, 3, 0).set(MAX);
    w.i32(1).set(K);
    w.loopWhileLess(K, C, () => {
      w.get(MAX);
      loadK();
      w.raw(op.f64Max).set(MAX);
      w.get(K).i32(1).raw(op.i32Add).set(K);
    });
    // yi = y[i]; wi = sw[i]; acc += wi·(s_yi − max)
    w.get(Y).get(I).i32(2).raw(op.i32Shl, op.i32Add, op.i32Load, 2, 0).set(YI);
    w.get(SW).get(I).i32(3).raw(op.i32Shl, op.i32Add, op.f64Load, 3, 0).set(WI);
    w.get(ACC).get(WI).get(SO).get(YI).i32(3).raw(op.i32Shl, op.i32Add, op.f64Load, 3, 0);
    w.get(MAX).raw(op.f64Sub, op.f64Mul, op.f64Add).set(ACC);
    // e_k = exp(s_k − max), in place; sum = Σ e_k
    w.f64(0).set(SUM);
    w.i32(0).set(K);
    w.loopWhileLess(K, C, () => {
      loadK();
      w.get(MAX).raw(op.f64Sub).f64(-708).raw(op.f64Max).set(D);
      // K = round(d·32/ln2), as f64 and i32
      w.get(D)
        .f64(32 / Math.LN2)
        .raw(op.f64Mul, op.f64Nearest)
        .tee(KF)
        .raw(op.i32TruncF64S)
        .set(KI);
      // r = (d − K·ln2_hi/32) − K·ln2_lo/32, kept in D (fdlibm's split: K·hi is exact)
      w.get(D)
        .get(KF)
        .f64(6.9314718036912381649e-1 / 32)
        .raw(op.f64Mul, op.f64Sub);
      w.get(KF)
        .f64(1.90821492927058770002e-10 / 32)
        .raw(op.f64Mul, op.f64Sub)
        .set(D);
      atK();
      w.f64(1 / factorial(6));
      for (let n = 5; n >= 0; n--) {
        w.get(D)
          .raw(op.f64Mul)
          .f64(1 / factorial(n))
          .raw(op.f64Add);
      }
      // · table[K & 31]
      w.get(TABLE)
        .get(KI)
        .i32(31)
        .raw(op.i32And)
        .i32(3)
        .raw(op.i32Shl, op.i32Add, op.f64Load, 3, 0, op.f64Mul);
      // · 2^(K >> 5): (m + 1023) << 52 as the bits of a double
      w.get(KI)
        .i32(5)
        .raw(op.i32ShrS, op.i64ExtendI32S, op.i64Const, ...sleb(1023), op.i64Add);
      w.raw(op.i64Const, ...sleb(52), op.i64Shl, op.f64ReinterpretI64, op.f64Mul).tee(D);
      w.raw(op.f64Store, 3, 0);
      w.get(SUM).get(D).raw(op.f64Add).set(SUM);
      w.get(K).i32(1).raw(op.i32Add).set(K);
    });
    w.get(SUMS).get(I).i32(3).raw(op.i32Shl, op.i32Add).get(SUM).raw(op.f64Store, 3, 0);
    // coefT[k·rowStride + i] = e_k·(wi / sum) − (k = yi ? wi : 0)
    w.get(WI).get(SUM).raw(op.f64Div).set(Q);
    w.i32(0).set(K);
    w.loopWhileLess(K, C, () => {
      w.get(COEF).get(K).get(ROW_STRIDE).raw(op.i32Mul).get(I).raw(op.i32Add).i32(3);
      w.raw(op.i32Shl, op.i32Add);
      loadK();
      w.get(Q).raw(op.f64Mul).get(WI).f64(0).get(K).get(YI).raw(op.i32Eq, op.select, op.f64Sub);
      w.raw(op.f64Store, 3, 0);
      w.get(K).i32(1).raw(op.i32Add).set(K);
    });
    w.get(I).i32(1).raw(op.i32Add).set(I);
  });
  w.get(ACC).raw(op.end);
  return [2, ...uleb(i32Locals), I32, ...uleb(f64Locals), F64, ...w.bytes];
}

/**
 * `updateAndDot(dir, src, u, v, coef, scale, bytes) → vᵀ·dir` after `dir = scale·(src + coef·u)`
 * over `bytes / 8` float64 values (a multiple of 2, 16-byte aligned; `src` may be `dir`): every
 * vector pass of the L-BFGS two-loop recursion, with the dot product it needs next fused in.
 */
function updateAndDotCode(): number[] {
  const [DIR, SRC, U, V, COEF, SCALE, BYTES] = [0, 1, 2, 3, 4, 5, 6];
  const J = 7;
  const [ACC, D, CO, SC] = [8, 9, 10, 11];
  const w = new CodeWriter();
  const load = (base: number): void => {
    w.get(base).get(J).raw(op.i32Add).simd(simd.load).raw(4, 0);
  };
  w.get(COEF).simd(simd.f64x2Splat).set(CO);
  w.get(SCALE).simd(simd.f64x2Splat).set(SC);
  w.simd(simd.const);
  for (let z = 0; z < 16; z++) {
    w.raw(0);
  }
  w.set(ACC);
  w.i32(0).set(J);
  w.loopWhileLess(J, BYTES, () => {
    // d = sc·(src + co·u)
    w.get(SC);
    load(SRC);
    w.get(CO);
    load(U);
    w.simd(simd.f64x2Mul).simd(simd.f64x2Add).simd(simd.f64x2Mul).set(D);
    w.get(DIR).get(J).raw(op.i32Add).get(D).simd(simd.store).raw(4, 0);
    // acc += v·d
    w.get(ACC);
    load(V);
    w.get(D).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(ACC);
    w.get(J).i32(16).raw(op.i32Add).set(J);
  });
  w.get(ACC)
    .simd(simd.f64x2ExtractLane)
    .raw(0)
    .get(ACC)
    .simd(simd.f64x2ExtractLane)
    .raw(1, op.f64Add, op.end);
  return [2, 1, I32, 4, V128, ...w.bytes];
}

/**
 * `secantPair(s, y, xNew, x, gNew, g, out, bytes)`: the L-BFGS curvature pair `s = x⁺ − x`,
 * `y = g⁺ − g`, with `out = [sᵀy, yᵀy, max|g⁺|]`, in one pass over `bytes / 8` float64 values
 * (a multiple of 2, 16-byte aligned).
 */
function secantPairCode(): number[] {
  const [S, Y, XN, X, GN, G, OUT, BYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
  const J = 8;
  const [SY, YY, MX, SP, YP, GV] = [9, 10, 11, 12, 13, 14];
  const w = new CodeWriter();
  const load = (base: number): void => {
    w.get(base).get(J).raw(op.i32Add).simd(simd.load).raw(4, 0);
  };
  const store = (base: number, value: number): void => {
    w.get(base).get(J).raw(op.i32Add).get(value).simd(simd.store).raw(4, 0);
  };
  w.i32(0).set(J);
  w.loopWhileLess(J, BYTES, () => {
    load(GN);
    w.set(GV);
    load(XN);
    load(X);
    w.simd(simd.f64x2Sub).set(SP);
    w.get(GV);
    load(G);
    w.simd(simd.f64x2Sub).set(YP);
    store(S, SP);
    store(Y, YP);
    w.get(SY).get(SP).get(YP).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(SY);
    w.get(YY).get(YP).get(YP).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(YY);
    w.get(MX).get(GV).simd(simd.f64x2Abs).simd(simd.f64x2Max).set(MX);
    w.get(J).i32(16).raw(op.i32Add).set(J);
  });
  const lanes = (v: number, combine: number): void => {
    w.get(v).simd(simd.f64x2ExtractLane).raw(0).get(v).simd(simd.f64x2ExtractLane).raw(1, combine);
  };
  w.get(OUT);
  lanes(SY, op.f64Add);
  w.raw(op.f64Store, 3, 0).get(OUT);
  lanes(YY, op.f64Add);
  w.raw(op.f64Store, 3, 8).get(OUT);
  lanes(MX, op.f64Max);
  w.raw(op.f64Store, 3, 16, op.end);
  return [2, 1, I32, 6, V128, ...w.bytes];
}

/**
 * The bytes of a module that imports `env.memory` and exports `gemm(a, b, out, m, p, k)` and
 * `softmax(…)` (see {@link softmaxCode}).
 */
export function kernelModuleBytes(): Uint8Array {
  const gemm = gemmCode();
  const softmax = softmaxCode();
  const update = updateAndDotCode();
  const secant = secantPairCode();
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // type 0: (i32 × 6) → (); type 1: (i32 × 10) → f64; type 2: (i32 × 4, f64 × 2, i32) → f64;
    // type 3: (i32 × 8) → ()
    ...section(1, [
      4,
      0x60,
      6,
      ...new Array<number>(6).fill(I32),
      0,
      0x60,
      10,
      ...new Array<number>(10).fill(I32),
      1,
      F64,
      0x60,
      7,
      I32,
      I32,
      I32,
      I32,
      F64,
      F64,
      I32,
      1,
      F64,
      0x60,
      8,
      ...new Array<number>(8).fill(I32),
      0,
    ]),
    // import env.memory (min 1 page)
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]),
    ...section(3, [4, 0, 1, 2, 3]),
    ...section(7, [
      4,
      ...name('gemm'),
      0x00,
      0,
      ...name('softmax'),
      0x00,
      1,
      ...name('updateAndDot'),
      0x00,
      2,
      ...name('secantPair'),
      0x00,
      3,
    ]),
    ...section(10, [
      4,
      ...uleb(gemm.length),
      ...gemm,
      ...uleb(softmax.length),
      ...softmax,
      ...uleb(update.length),
      ...update,
      ...uleb(secant.length),
      ...secant,
    ]),
  ];
  return Uint8Array.from(bytes);
}

type GemmFn = (a: number, b: number, out: number, m: number, p: number, k: number) => void;
type SecantPairFn = (
  s: number,
  y: number,
  xNew: number,
  x: number,
  gNew: number,
  g: number,
  out: number,
  bytes: number,
) => void;
type UpdateAndDotFn = (
  dir: number,
  src: number,
  u: number,
  v: number,
  coef: number,
  scale: number,
  bytes: number,
) => number;
type SoftmaxFn = (
  scores: number,
  coef: number,
  y: number,
  sw: number,
  sums: number,
  rows: number,
  stride: number,
  rowStride: number,
  c: number,
  table: number,
) => number;

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
    const bytes = kernelModuleBytes();
    compiled = wasmApi?.validate(bytes) === true ? new wasmApi.Module(bytes) : null;
  }
  return compiled;
}

/** Whether this runtime runs the SIMD kernel (every Node ≥ 16.4 does). */
export function wasmKernelsAvailable(): boolean {
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
  // The kernels, called straight (all pointers are byte offsets into this arena's memory).
  /** `out = A·Bᵀ`, A `m × k` at byte offset `a`, B `p × k` at `b`; m % 4 = p % 2 = k % 2 = 0. */
  readonly gemm: GemmFn;
  /** See {@link softmaxCode}; `y` holds int32 class indices. */
  readonly softmax: SoftmaxFn;
  /** See {@link updateAndDotCode}: the length is in bytes (a multiple of 16). */
  readonly updateAndDot: UpdateAndDotFn;
  /** See {@link secantPairCode}: the length is in bytes (a multiple of 16). */
  readonly secantPair: SecantPairFn;
  #top = 0;

  constructor(api: WasmApi, module: WasmModule) {
    this.#memory = new api.Memory({ initial: 1 });
    const instance = new api.Instance(module, { env: { memory: this.#memory } });
    this.gemm = instance.exports['gemm'] as GemmFn;
    this.softmax = instance.exports['softmax'] as SoftmaxFn;
    this.updateAndDot = instance.exports['updateAndDot'] as UpdateAndDotFn;
    this.secantPair = instance.exports['secantPair'] as SecantPairFn;
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

  /** A view of `length` int32 values at `offset`. */
  viewInt32(offset: number, length: number): Int32Array {
    return new Int32Array(this.#memory.buffer, offset, length);
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

/**
 * Returns an arena for the next fit. A fit holds up to three (training rows, validation rows,
 * L-BFGS vectors); up to four of at most 64 MiB each are kept, so the same instances serve fit
 * after fit.
 */
export function releaseArena(arena: WasmArena): void {
  if (idle.length < 4 && arena.bytes <= 64 * 1024 * 1024) {
    idle.push(arena);
  }
}
