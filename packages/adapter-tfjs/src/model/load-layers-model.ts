import * as tf from '@tensorflow/tfjs';

import { dirIOHandler } from './model-files.ts';
import { toModelhubError } from './to-modelhub-error.ts';

/**
 * Loads a TF.js layers model from a local folder on the current tf backend (no tfjs-node).
 * For training (Option 2), call the trainer's `useTrainingBackend()` first, so the weights live on
 * the backend the gradient kernels are registered for.
 */
export async function loadLayersModelFromDir(modelDir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(dirIOHandler(modelDir));
  } catch (error) {
    throw toModelhubError(error, modelDir);
  }
}
