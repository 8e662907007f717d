/**
 * @packageDocumentation
 * Option 2, training backbone layers: the parts of the trainer that run on TF.js. A separate entry
 * (`@modelhub/trainer/fine-tune`), imported on use, so that loading, predicting with or training an
 * Option 1 head never loads TF.js (about 0.2 s of every process that did).
 */
export { planTail, buildTail } from './fine-tune/tfjs-tail.ts';
export type { TailPlan } from './fine-tune/tfjs-tail.ts';
export { fineTuneTail, runTail } from './fine-tune/fine-tune-tail.ts';
export type { FineTuneTailOptions, FineTuneTailResult } from './fine-tune/fine-tune-tail.ts';
export { useTrainingBackend } from './fine-tune/wasm-training-backend.ts';
export { fineTuneOnDataset } from './pipeline/fine-tune-on-dataset.ts';
export type { FineTuneOnDatasetOptions, FineTuneOnDatasetResult } from './pipeline/fine-tune-on-dataset.ts';
export { saveTail, loadTail } from './artifact/tail-files.ts';
export { openTail } from './fine-tune/tail-runner.ts';
export type { TailRunner } from './fine-tune/tail-runner.ts';
