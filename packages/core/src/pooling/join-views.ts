/**
 * Joins several views of one input into one feature vector: each view is scaled to unit length
 * (a zero vector stays zero), multiplied by its weight, and the views are concatenated in order.
 * Unit length first keeps a view with many values (a 5,760-value grid) from drowning one with
 * few (a 240-value sequence pooling); the weight then sets how much each counts. Norms are taken
 * in float64, as the fused export takes them (`joinViewNodes` in `@modelhub/onnx`).
 */
export function joinViews(views: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const out = new Float32Array(views.reduce((a, v) => a + v.length, 0));
  let offset = 0;
  views.forEach((view, i) => {
    let squares = 0;
    for (const x of view) {
      squares += x * x;
    }
    const norm = Math.sqrt(squares);
    const scale = norm > 0 ? (weights[i] ?? 1) / norm : 0;
    for (let k = 0; k < view.length; k++) {
      out[offset + k] = (view[k] as number) * scale;
    }
    offset += view.length;
  });
  return out;
}
