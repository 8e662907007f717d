import { loadTail } from '../artifact/tail-files.ts';
import { runTail } from './fine-tune-tail.ts';
import { useTrainingBackend } from './wasm-training-backend.ts';

/** A fine-tuned tail as a function of feature vectors (row-major `[rows, dim]`). */
export type TailRunner = (features: Float32Array, rows: number) => Float32Array;

/**
 * Opens a head's fine-tuned tail (Option 2) on the TF.js wasm backend. Imported on use by
 * `loadHeadClassifier`, so loading an Option 1 head never loads TF.js (about 0.2 s per process).
 */
export async function openTail(headDir: string, modelFile: string): Promise<TailRunner> {
  await useTrainingBackend();
  const tail = await loadTail(headDir, modelFile);
  return (features, rows) => runTail(tail, features, rows);
}
