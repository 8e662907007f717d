import type { ModelhubError } from '../errors/modelhub-error.ts';
import type { CandidateExtractor, CandidateOptions } from './candidate-extractor.ts';
import type { FeatureExtractor, ModelInput } from './feature-extractor.ts';
import type { FeatureTap } from '../manifest/head-manifest.ts';
import type { InputSpec } from '../preprocess/input-spec.ts';
import type { Modality } from '../preprocess/input-modality.ts';

/** A graph input or output as the runtime reports it; symbolic dims are strings. */
export interface TensorInfo {
  readonly name: string;
  readonly shape: ReadonlyArray<number | string>;
  readonly dtype: string;
}

/** A tensor that could serve as the feature tap, with why it was proposed. */
export interface FeatureCandidate {
  readonly tensor: string;
  readonly dim: number;
  readonly pooling: FeatureTap['pooling'];
  readonly reason: string;
}

/** What `hub inspect` shows about a model folder. */
export interface ModelInspection {
  readonly format: FeatureTap['runtime'];
  /** What the model takes: images, texts or sounds. */
  readonly modality: Modality;
  /** The input contract in one line: what files or values the extractor accepts and how they become tensors. */
  readonly contract: string;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly candidates: readonly FeatureCandidate[];
  /** The tap `loadFeatureExtractor` would use with the same options. */
  readonly chosen: FeatureCandidate | undefined;
  /** The resolved preprocessing, or null when none applies (e.g. a model with no known input). */
  readonly preprocess: InputSpec | null;
  readonly warnings: readonly string[];
}

/** Options shared by every adapter entry point. */
export interface AdapterOptions {
  /** Shown in errors and recorded in heads, e.g. `modelhub/ppocr-rec@<commit>`. */
  readonly modelId: string;
  /** Tap this tensor / layer instead of the one found automatically (`--layer`). */
  readonly layer?: string;
  /** Use this preprocessing instead of the one resolved from the model's files. */
  readonly preprocess?: InputSpec;
  /** Folder where derived artifacts (edited graphs) are cached. */
  readonly workDir: string;
  /** How a tap of rank > 2 becomes a vector; default `mean` (over time or space). */
  readonly pooling?: FeatureTap['pooling'];
  /**
   * Pool only the positions that cover the real image when the preprocessing pads (fit-height,
   * pad-to-size). @default true (heads pin theirs: `feature.mask` present or not)
   */
  readonly mask?: boolean;
  /**
   * Further views joined after the tap's vector (a head's `feature.views`); only ONNX image
   * backbones have them, other adapters refuse a head that needs them.
   */
  readonly views?: FeatureTap['views'];
  /** Images per inference call; default chosen by the adapter. */
  readonly batchSize?: number;
  /**
   * The sha256 of a model file, when the caller knows it without reading the file again (a memo
   * of the hashes it verified). With it, an adapter reuses what it derived from the same bytes in
   * an earlier process (the ONNX adapter: the tap, the edited graph and the traced axes) instead
   * of parsing the graph.
   */
  readonly sha256Of?: (path: string) => Promise<string>;
}

/** Options of {@link ModelAdapter.fuseHead}. */
export interface FuseHeadOptions extends AdapterOptions {
  /** The tap the head was trained on. */
  readonly tap: FeatureTap;
  /** Metadata for the fused model (labels, preprocessing, provenance). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * What a file `hub export` wrote is fed: inputs of the backbone's modality, for a fused file (the
 * folder holds the tokenizer a text model needs); or feature vectors `[rows, dim]`, for a head alone.
 */
export type ExportedFeed =
  | {
      readonly kind: 'inputs';
      readonly modelDir: string;
      readonly preprocess: InputSpec;
      readonly inputs: readonly ModelInput[];
    }
  | { readonly kind: 'features'; readonly features: Float32Array; readonly rows: number };

/** One input's outputs from an exported file. */
export interface ExportedScores {
  readonly logits: Float32Array;
  readonly probs: Float32Array;
}

/** One input's scores from the model's original output layer. */
export interface OriginalPrediction {
  readonly input: string;
  readonly top: ReadonlyArray<{ readonly label: string; readonly index: number; readonly score: number }>;
  /** Set (and `top` empty) when this input could not be read; the other inputs are still predicted. */
  readonly error?: ModelhubError;
}

/**
 * A backend that turns a pulled model folder into features. The CLI holds a typed map of lazily
 * imported adapters, so a broken native runtime only fails when its format is used.
 */
export interface ModelAdapter {
  readonly format: 'onnx' | 'tfjs';
  /** True when this adapter can load the folder (e.g. it holds `*.onnx`, or a TF.js `model.json`). */
  detect(modelDir: string): Promise<boolean>;
  inspect(modelDir: string, options: AdapterOptions): Promise<ModelInspection>;
  loadFeatureExtractor(modelDir: string, options: AdapterOptions): Promise<FeatureExtractor>;
  /**
   * Loads several candidate taps × poolings × paddings at once, for a cross-validated choice.
   * Absent for adapters that offer only their one extractor.
   */
  loadCandidateExtractor?(modelDir: string, options: CandidateOptions): Promise<CandidateExtractor>;
  /**
   * Writes one ONNX model: the backbone cut at the head's tap, pooled as the extractor pools it, then
   * the head. Absent for formats that cannot become one ONNX graph (TF.js).
   */
  fuseHead?(modelDir: string, head: Uint8Array, options: FuseHeadOptions): Promise<Uint8Array>;
  /**
   * Runs an exported file (fused, or a head alone) the way its metadata tells a plain user to, and
   * returns each input's logits and probabilities: export checks what it wrote with it. ONNX only.
   */
  scoreExported?(model: Uint8Array, feed: ExportedFeed): Promise<ExportedScores[]>;
  /** Runs the full model with its original head (sanity check against the publisher's outputs). */
  predictOriginal(
    modelDir: string,
    inputs: readonly ModelInput[],
    options: AdapterOptions & { readonly topK: number },
  ): Promise<OriginalPrediction[]>;
}
