import * as z from 'zod';

import { lazySchema } from '../schema/lazy-schema.ts';

import { preprocessSpecSchema } from './preprocess-spec.ts';

/**
 * Fully resolved text preprocessing: which tokenizer (by file and its sha256), how long a sequence
 * the model takes, and how longer texts are cut. Recorded in heads so the same tokens come back.
 */
export const textSpecSchema = lazySchema(() =>
  z.object({
    modality: z.literal('text'),
    /** Where the values came from, e.g. `tokenizer.json` or `modelhub.json`. */
    source: z.string(),
    tokenizer: z.object({
      /** `hf-tokenizers`: a Hugging Face `tokenizer.json`; `use-sentencepiece`: the USE `vocab.json`. */
      kind: z.enum(['hf-tokenizers', 'use-sentencepiece']),
      /** Path of the tokenizer file inside the model folder. */
      file: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
    /** Most tokens fed per text (special tokens included); longer texts are cut at the end. */
    maxTokens: z.number().int().positive(),
    truncation: z.literal('end'),
    /** How the model's inputs are laid out: dense ids + masks, or a sparse [indices, values] batch. */
    inputs: z.enum(['ids-mask', 'sparse-ids']),
  }),
);

export type TextSpec = z.infer<ReturnType<typeof textSpecSchema>>;

/**
 * Fully resolved audio preprocessing: every clip is decoded, mixed down to mono, resampled to
 * `sampleRate`, scaled, and cut into windows of the model's fixed input; the window vectors are
 * pooled over the windows that hold real audio.
 */
export const audioSpecSchema = lazySchema(() =>
  z.object({
    modality: z.literal('audio'),
    source: z.string(),
    sampleRate: z.number().int().positive(),
    /** Stereo and multichannel clips become one channel by averaging the channels. */
    downmix: z.literal('mean'),
    /** Samples in [-1, 1] are multiplied by this before the model (32768 = int16 range). */
    scale: z.number().positive(),
    /**
     * How the clip becomes model inputs. `frames`: a front-end graph turns the waveform into feature
     * frames, windows of `window` frames every `hop` frames go to the embedding graph.
     */
    frontend: z.object({
      kind: z.literal('frames'),
      /** Front-end graph (waveform → frames) and embedding graph (window → vector), folder paths. */
      frontendFile: z.string().min(1),
      embeddingFile: z.string().min(1),
      /** `frames * frameScale + frameOffset` before windowing. */
      frameScale: z.number(),
      frameOffset: z.number(),
      window: z.number().int().positive(),
      hop: z.number().int().positive(),
      /** Audio samples per frame (the front end's hop), to tell which windows hold real audio. */
      samplesPerFrame: z.number().int().positive(),
    }),
    /**
     * Clips shorter than this many samples are centred in silence up to this length: keyword
     * spotters are trained on speech with context around it, and a word at the very start of the
     * input embeds poorly (measured: 45% vs 91% nearest-centroid accuracy on the keyword fixture).
     */
    minSamples: z.number().int().positive(),
    pad: z.literal('centre'),
  }),
);

export type AudioSpec = z.infer<ReturnType<typeof audioSpecSchema>>;

/**
 * The preprocessing of any input modality, as an extractor applies it and a head records it.
 * Image specs written before the modality tag existed parse as images.
 */
export const inputSpecSchema = lazySchema(() =>
  z.union([textSpecSchema(), audioSpecSchema(), preprocessSpecSchema()]),
);

export type InputSpec = z.infer<ReturnType<typeof inputSpecSchema>>;
