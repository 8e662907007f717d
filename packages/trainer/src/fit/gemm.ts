/**
 * `out[i·p + o] = Σ_j a[i·k + j] · b[o·k + j]` for i < m, o < p: the product `A·Bᵀ` of two row-major
 * matrices that share their inner dimension k, so both operands are read contiguously.
 *
 * Register-blocked 4 rows of A × 2 rows of B (eight accumulators, six loads per eight
 * multiply-adds), which V8 keeps in registers; it is what makes the head fit fast. Summation
 * order is fixed, so results are bit-for-bit repeatable.
 */
export function gemmABt(
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
  m: number,
  p: number,
  k: number,
): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    const r0 = i * p;
    const r1 = r0 + p;
    const r2 = r1 + p;
    const r3 = r2 + p;
    let o = 0;
    for (; o + 1 < p; o += 2) {
      const b0 = o * k;
      const b1 = b0 + k;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let j = 0; j < k; j++) {
        const w0 = b[b0 + j] as number;
        const w1 = b[b1 + j] as number;
        const x0 = a[a0 + j] as number;
        const x1 = a[a1 + j] as number;
        const x2 = a[a2 + j] as number;
        const x3 = a[a3 + j] as number;
        s00 += x0 * w0;
        s01 += x0 * w1;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s20 += x2 * w0;
        s21 += x2 * w1;
        s30 += x3 * w0;
        s31 += x3 * w1;
      }
      out[r0 + o] = s00;
      out[r0 + o + 1] = s01;
      out[r1 + o] = s10;
      out[r1 + o + 1] = s11;
      out[r2 + o] = s20;
      out[r2 + o + 1] = s21;
      out[r3 + o] = s30;
      out[r3 + o + 1] = s31;
    }
    if (o < p) {
      const b0 = o * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < k; j++) {
        const w = b[b0 + j] as number;
        s0 += (a[a0 + j] as number) * w;
        s1 += (a[a1 + j] as number) * w;
        s2 += (a[a2 + j] as number) * w;
        s3 += (a[a3 + j] as number) * w;
      }
      out[r0 + o] = s0;
      out[r1 + o] = s1;
      out[r2 + o] = s2;
      out[r3 + o] = s3;
    }
  }
  for (; i < m; i++) {
    const a0 = i * k;
    for (let o = 0; o < p; o++) {
      const b0 = o * k;
      let s0 = 0;
      let s1 = 0;
      let j = 0;
      for (; j + 1 < k; j += 2) {
        s0 += (a[a0 + j] as number) * (b[b0 + j] as number);
        s1 += (a[a0 + j + 1] as number) * (b[b0 + j + 1] as number);
      }
      if (j < k) {
        s0 += (a[a0 + j] as number) * (b[b0 + j] as number);
      }
      out[i * p + o] = s0 + s1;
    }
  }
}

/** Writes the transpose of the row-major `rows × cols` matrix `src` into `dst` (`cols × rows`). */
export function transposeInto(src: Float64Array, dst: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const ro = r * cols;
    for (let c = 0; c < cols; c++) {
      dst[c * rows + r] = src[ro + c] as number;
    }
  }
}
