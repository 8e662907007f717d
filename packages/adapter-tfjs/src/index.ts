/**
 * @packageDocumentation
 * A pulled TF.js model (layers or graph) as a frozen feature extractor on the wasm backend, with
 * one worker thread per core; plus layers-model loading and splitting for partial fine-tuning.
 */
export { tfjsAdapter } from './adapter/tfjs-adapter.ts';
export { loadTfjsFeatureExtractor } from './adapter/tfjs-feature-extractor.ts';
export type { TfjsExtractorOptions, TfjsFeatureExtractor } from './adapter/tfjs-feature-extractor.ts';
export { loadLayersModelFromDir } from './model/load-layers-model.ts';
export { dirIOHandler } from './model/model-files.ts';
