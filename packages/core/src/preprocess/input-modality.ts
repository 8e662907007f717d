import { ModelhubError } from '../errors/modelhub-error.ts';
import type { InputSpec } from './input-spec.ts';
import type { PreprocessSpec } from './preprocess-spec.ts';

/** The modality an input spec is for. */
export type Modality = 'image' | 'text' | 'audio';

/** The modality of a resolved spec (image when untagged). */
export function modalityOf(spec: InputSpec): Modality {
  return spec.modality ?? 'image';
}

/**
 * What one example of a modality is called in words people read (command output, model cards,
 * web pages): "image", "text" or "clip". Add an "s" for the plural.
 */
export function exampleNoun(modality: Modality): string {
  return { image: 'image', text: 'text', audio: 'clip' }[modality];
}

/** Narrows a spec to image preprocessing. */
export function isImageSpec(spec: InputSpec): spec is PreprocessSpec {
  return modalityOf(spec) === 'image';
}

/**
 * The image preprocessing of a spec, or an UNSUPPORTED_MODEL error naming `context` when the spec
 * is for text or audio (an image-only code path was handed another modality).
 */
export function requireImageSpec(spec: InputSpec, context: string): PreprocessSpec {
  if (isImageSpec(spec)) {
    return spec;
  }
  throw new ModelhubError(
    'UNSUPPORTED_MODEL',
    `${context} takes images, but the preprocessing given is for ${modalityOf(spec)}.`,
    { hint: 'Use a model and inputs of the same modality (hub inspect MODEL shows what a model takes).' },
  );
}
