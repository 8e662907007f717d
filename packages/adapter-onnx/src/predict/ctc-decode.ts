/** Greedy CTC decoding of one sequence of per-step class scores [T, C]: best class per step, repeats merged, blanks (0) dropped. */
export function ctcGreedyDecode(
  scores: Float32Array,
  steps: number,
  classes: number,
  alphabet: readonly string[],
): { text: string; score: number } {
  let text = '';
  let prev = -1;
  let sum = 0;
  let kept = 0;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = scores[t * classes + c] ?? -Infinity;
      if (v > bestScore) {
        bestScore = v;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      text += alphabet[best] ?? '';
      sum += bestScore;
      kept++;
    }
    prev = best;
  }
  return { text, score: kept === 0 ? 0 : sum / kept };
}
