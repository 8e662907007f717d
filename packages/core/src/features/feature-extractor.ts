import type { ModelhubError } from '../errors/modelhub-error.ts';
import type { FeatureTap } from '../manifest/head-manifest.ts';
import type { InputSpec } from '../preprocess/input-spec.ts';

/** An image to embed: a file path, or the encoded bytes of a PNG/JPEG/WebP/… file. */
export type ImageInput = string | Uint8Array;

/** A text given directly rather than as a `.txt` file; `name` is how errors and outputs call it. */
export interface TextInput {
  readonly text: string;
  readonly name?: string;
}

/**
 * Anything an extractor embeds: a file path (image, `.txt` or `.wav` by the model's modality), the
 * bytes of such a file, or a text.
 */
export type ModelInput = ImageInput | TextInput;

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
  /**
   * Things done to inputs that still produced vectors (e.g. a text cut to the model's length).
   * Each kind is reported once per extractor, not once per input.
   */
  readonly warnings?: readonly string[];
}

/**
 * A pretrained network cut below its output layer: images, texts or sounds in, fixed-length
 * feature vectors out.
 * Both adapters (ONNX, TF.js) implement it; the trainer and `fromPretrained()` only see this.
 */
export interface FeatureExtractor {
  /** Registry repo and commit the weights came from, e.g. `modelhub/ppocr-rec@<sha>`. */
  readonly modelId: string;
  /** Length of every feature vector. */
  readonly dim: number;
  /** Which tensor is tapped and how it is pooled. */
  readonly tap: FeatureTap;
  /** The resolved preprocessing applied to every input (its `modality` says which kind). */
  readonly preprocess: InputSpec;
  /** Embeds a batch of inputs. Unreadable inputs are reported in `failures`, not thrown. */
  embed(inputs: readonly ModelInput[]): Promise<EmbedResult>;
  /** Frees native sessions and worker threads. The extractor is unusable afterwards. */
  dispose(): Promise<void>;
}
