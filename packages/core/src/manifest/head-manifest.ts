import * as z from 'zod';

import { ModelhubError } from '../errors/modelhub-error.ts';
import { inputSpecSchema } from '../preprocess/input-spec.ts';
import { lazySchema } from '../schema/lazy-schema.ts';

const sha256Hex = (): z.ZodString => z.string().regex(/^[0-9a-f]{64}$/, 'a 64-digit lowercase hex sha256');
const commitSha = (): z.ZodString =>
  z.string().regex(/^[0-9a-f]{40}$/, 'a 40-digit lowercase hex commit sha');

/**
 * Which positions of a tapped tensor are real: position `i` of each listed axis is real when the
 * centre `(i + ½)·stride` of its cell (`stride` = input size ÷ axis length) lies inside the
 * unpadded image; at least one is.
 */
const maskRuleSchema = lazySchema(() =>
  z.object({
    rule: z.literal('receptive-field-centre'),
    axes: z.array(z.object({ axis: z.number().int().positive(), input: z.enum(['height', 'width']) })).min(1),
  }),
);

/** How a feature vector is taken from the backbone. */
export const featureTapSchema = lazySchema(() =>
  z.object({
    /** ONNX tensor name, or TF.js layer / node name. */
    tensor: z.string().min(1),
    /**
     * Runtime format of the backbone the tap belongs to; `pixels` is the no-backbone baseline (the
     * decoded image itself is the feature vector).
     */
    runtime: z.enum(['onnx', 'tfjs-layers', 'tfjs-graph', 'pixels']),
    /**
     * How a tensor of rank > 2 becomes a vector (see `poolFeatures`); `none` for a rank-2 tap, `avg`
     * is the older name of `mean` over a feature map.
     */
    pooling: z.enum(['none', 'avg', 'mean', 'max', 'meanmax', 'cls', 'flatten']),
    /** Length of the feature vector. */
    dim: z.number().int().positive(),
    /**
     * Present when pooling uses only the real part of each image (the preprocessing pads): position
     * `i` of each listed axis of the tapped tensor is real when the centre `(i + ½)·stride` of its
     * cell (`stride` = input size ÷ axis length) lies inside the unpadded image; at least one is.
     */
    mask: maskRuleSchema().optional(),
    /**
     * Further views of the same backbone run, joined after the tap's own pooled vector: that
     * vector and each view's are scaled to unit length and then by their weight (the tap's own is
     * 1), and concatenated (`joinViews`); `dim` is then the joined length. ONNX image backbones only.
     */
    views: z
      .array(
        z.object({
          /** ONNX tensor name of a feature map `[N, C, H, W]` (or channels-last). */
          tensor: z.string().min(1),
          /** Averaged over a grid of bins laid over the real part of the map (`poolGrid`). */
          pooling: z.literal('grid'),
          grid: z.object({ rows: z.number().int().positive(), cols: z.number().int().positive() }),
          weight: z.number().positive(),
          /** Length of this view's vector: rows × cols × channels. */
          dim: z.number().int().positive(),
          mask: maskRuleSchema().optional(),
        }),
      )
      .min(1)
      .optional(),
  }),
);

/** One view of a tap (see `views` in {@link featureTapSchema}). */
export type FeatureView = NonNullable<FeatureTap['views']>[number];

export type FeatureTap = z.infer<ReturnType<typeof featureTapSchema>>;

/**
 * `modelhub.json` of a head: everything needed to rebuild the exact classifier elsewhere. The base
 * model is pinned by commit and by the sha256 of every file, so a changed backbone refuses to load.
 */
export const headManifestSchema = lazySchema(() =>
  z.object({
    format: z.literal('modelhub-head'),
    formatVersion: z.literal(1),
    task: z.enum(['image-classification', 'text-classification', 'audio-classification']),
    base: z.object({
      endpoint: z.string().url(),
      repo: z.string().regex(/^[^/]+\/[^/]+$/, 'namespace/name'),
      commit: commitSha(),
      files: z
        .array(
          z.object({ path: z.string().min(1), size: z.number().int().nonnegative(), sha256: sha256Hex() }),
        )
        .min(1),
    }),
    feature: featureTapSchema(),
    preprocessing: inputSpecSchema(),
    labels: z.array(z.string().min(1)).min(2),
    head: z.object({
      type: z.enum(['linear', 'mlp']),
      /** `l2`: the head scales each feature vector to unit length before its first layer. */
      normalize: z.enum(['none', 'l2']).optional(),
      hidden: z.array(z.number().int().positive()),
      file: z.string().min(1),
      sha256: sha256Hex(),
      opset: z.number().int().positive(),
    }),
    /**
     * Option 2 only: the backbone layers between the cut (`feature.tensor`) and the original feature
     * layer, fine-tuned and shipped with the head as a TF.js layers model; `head.onnx` reads its output.
     */
    tail: z
      .object({
        format: z.literal('tfjs-layers'),
        modelFile: z.string().min(1),
        files: z
          .array(
            z.object({ path: z.string().min(1), size: z.number().int().nonnegative(), sha256: sha256Hex() }),
          )
          .min(1),
        inputShape: z.array(z.number().int().positive()).min(1),
        outputDim: z.number().int().positive(),
        tapLayer: z.string().min(1),
        trainedLayers: z.array(z.string().min(1)),
      })
      .optional(),
    training: z.record(z.string(), z.unknown()),
    dataset: z.object({
      manifestSha256: sha256Hex(),
      perClass: z.record(z.string(), z.number().int().nonnegative()),
    }),
    metrics: z.record(z.string(), z.unknown()),
    /**
     * The self-check: what the backbone and head gave a fixed synthetic input (`probeInput`) where
     * the head was trained. Where it is loaded, the same input must give the same, or the
     * preprocessing or runtime differs there. Absent in heads made before it existed.
     */
    check: z
      .object({
        probe: z.string().min(1),
        features: z.array(z.number()).min(1),
        probabilities: z.array(z.number()).min(2),
      })
      .optional(),
    createdAt: z.string().datetime(),
    createdBy: z.string(),
  }),
);

export type HeadManifest = z.infer<ReturnType<typeof headManifestSchema>>;

/** Validates untrusted JSON as a head manifest, with an error that lists every problem. */
export function parseHeadManifest(json: unknown, source = 'modelhub.json'): HeadManifest {
  const result = headManifestSchema().safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelhubError(
      'INVALID_MANIFEST',
      `${source} is not a valid head manifest:\n  ${problems.join('\n  ')}`,
      {
        hint: 'Re-create the head with `hub train`, or fix the listed fields.',
        details: { source, problems },
      },
    );
  }
  return result.data;
}
