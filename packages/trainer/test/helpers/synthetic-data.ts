import { SeededRandom } from '../../src/random/seeded-random.ts';
import type { LabelledFeatures } from '../../src/fit/train-head.ts';

/** Gaussian blobs: class k centred at a random point, `perClass` rows each, unit noise × spread. */
export function gaussianBlobs(
  seed: number,
  numClasses: number,
  perClass: number,
  dim: number,
  spread: number,
  offset = 100,
): LabelledFeatures {
  const centres = new SeededRandom(1234);
  const means = Array.from({ length: numClasses }, () =>
    Array.from({ length: dim }, () => centres.normal() * 3),
  );
  const rng = new SeededRandom(seed);
  const rows = numClasses * perClass;
  const features = new Float32Array(rows * dim);
  const targets = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const k = r % numClasses;
    targets[r] = k;
    for (let j = 0; j < dim; j++) {
      // A large offset and scale per column: standardisation has to matter.
      features[r * dim + j] = offset + (j + 1) * ((means[k]?.[j] ?? 0) + rng.normal() * spread);
    }
  }
  return { features, targets, rows };
}

/** Four XOR clusters in 2-D: no linear head separates them. */
export function xorClusters(seed: number, perCluster: number): LabelledFeatures {
  const rng = new SeededRandom(seed);
  const rows = perCluster * 4;
  const features = new Float32Array(rows * 2);
  const targets = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const q = r % 4;
    const sx = q & 1 ? 1 : -1;
    const sy = q & 2 ? 1 : -1;
    features[r * 2] = sx * 2 + rng.normal() * 0.3;
    features[r * 2 + 1] = sy * 2 + rng.normal() * 0.3;
    targets[r] = sx * sy > 0 ? 0 : 1;
  }
  return { features, targets, rows };
}
