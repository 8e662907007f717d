/** Softmax of one row (stable). */
export function softmax(row: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of row) {
    max = Math.max(max, v);
  }
  const out = new Float32Array(row.length);
  let z = 0;
  row.forEach((v, i) => {
    out[i] = Math.exp(v - max);
    z += out[i] ?? 0;
  });
  return out.map((v) => v / z);
}

/** Indices of the k largest values, largest first. */
export function topK(row: Float32Array, k: number): number[] {
  return Array.from(row.keys())
    .sort((a, b) => (row[b] ?? 0) - (row[a] ?? 0))
    .slice(0, Math.max(0, k));
}
