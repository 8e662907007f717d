import type { ModelhubError } from '../errors/modelhub-error.ts';
import type { FeatureTap } from '../manifest/head-manifest.ts';
import type { PreprocessSpec } from '../preprocess/preprocess-spec.ts';

/** An image to embed: a file path, or the encoded bytes of a PNG/JPEG/WebP/… file. */
export type ImageInput = string | Uint8Array;

/** One input of a batch that could not be embedded; the rest of the batch still is. */
export interface EmbedFailure {
  readonly index: number;
  readonly input: string;
  readonly error: ModelhubError;
}

/** Feature vectors of one batch, in input order; `undefined` where that input failed. */
export interface EmbedResult {
  readonly vectors: ReadonlyArray<Float32Array | undefined>;
  readonly failures: readonly EmbedFailure[];
}

/**
 * A pretrained network cut below its output layer: images in, fixed-length feature vectors out.
 * Both adapters (ONNX, TF.js) implement it; the trainer and `fromPretrained()` only see this.
 */
export interface FeatureExtractor {
  /** Registry repo and commit the weights came from, e.g. `modelhub/ppocr-rec@<sha>`. */
  readonly modelId: string;
  /** Length of every feature vector. */
  readonly dim: number;
  /** Which tensor is tapped and how it is pooled. */
  readonly tap: FeatureTap;
  /** The resolved preprocessing applied to every image. */
  readonly preprocess: PreprocessSpec;
  /** Embeds a batch of images. Unreadable inputs are reported in `failures`, not thrown. */
  embed(inputs: readonly ImageInput[]): Promise<EmbedResult>;
  /** Frees native sessions and worker threads. The extractor is unusable afterwards. */
  dispose(): Promise<void>;
}
