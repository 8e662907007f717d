import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Tensor } from 'onnxruntime-node';

import { resolveAudioSpec } from '@modelhub/audio';
import { ModelhubError, type FuseHeadOptions } from '@modelhub/core';
import { fuseWindowedAudioClassifier } from '@modelhub/onnx';

import { windowPooling } from '../modality/open-modality.ts';
import { createSession } from '../session/create-session.ts';

/**
 * Fuses a two-graph audio backbone (front end + window embedding) and a head into one ONNX model
 * that takes raw samples: the spec the head was trained with decides scaling, padding, windows and
 * pooling, and one run of the front end on the shortest padded clip gives the frame count and width
 * the windowing needs.
 */
export async function fuseAudioHead(
  modelDir: string,
  head: Uint8Array,
  options: FuseHeadOptions,
): Promise<Uint8Array> {
  const spec =
    options.preprocess?.modality === 'audio' ? options.preprocess : await resolveAudioSpec(modelDir);
  if (spec === undefined) {
    throw new ModelhubError('UNSUPPORTED_MODEL', `${modelDir} has no audio preprocessing to fuse.`, {
      hint: 'Export a head trained on an audio backbone (its modelhub.json names the two graphs).',
    });
  }
  const f = spec.frontend;
  const session = await createSession(join(modelDir, f.frontendFile), f.frontendFile);
  let frames: number;
  let width: number;
  try {
    const input = session.inputNames[0] ?? 'input';
    const output = session.outputNames[0] ?? 'output';
    const silence = new Tensor('float32', new Float32Array(spec.minSamples), [1, spec.minSamples]);
    const dims = (await session.run({ [input]: silence }, [output]))[output]?.dims ?? [];
    width = dims.at(-1) ?? 0;
    frames = dims.at(-2) ?? 0;
  } finally {
    await session.release();
  }
  return fuseWindowedAudioClassifier(
    new Uint8Array(await readFile(join(modelDir, f.frontendFile))),
    new Uint8Array(await readFile(join(modelDir, f.embeddingFile))),
    head,
    {
      scale: spec.scale,
      minSamples: spec.minSamples,
      samplesPerFrame: f.samplesPerFrame,
      frameScale: f.frameScale,
      frameOffset: f.frameOffset,
      window: f.window,
      hop: f.hop,
      width,
      minFrames: frames,
      pooling: windowPooling(options.tap.pooling),
      metadata: options.metadata,
    },
  );
}
