import { join } from 'node:path';

import { Tensor, type InferenceSession } from 'onnxruntime-node';

import { loadAudio, planWindows, type LoadedAudio } from '@modelhub/audio';
import { ModelhubError, isModelhubError, poolFeatures, pooledDim } from '@modelhub/core';
import type {
  AudioSpec,
  EmbedFailure,
  EmbedResult,
  FeatureExtractor,
  FeatureTap,
  ModelInput,
  PoolingName,
} from '@modelhub/core';

import { createSession } from '../session/create-session.ts';

/** Poolings that make sense over windows of a clip. */
export type WindowPooling = Extract<PoolingName, 'mean' | 'max' | 'meanmax'>;

/** The two graphs of a frames-then-windows audio backbone, opened. */
interface AudioGraphs {
  readonly frontend: InferenceSession;
  readonly embedding: InferenceSession;
}

/** The contract line `hub inspect` shows for an audio spec. */
export function audioContract(spec: AudioSpec): string {
  const f = spec.frontend;
  const seconds = (frames: number): string => ((frames * f.samplesPerFrame) / spec.sampleRate).toFixed(3);
  return (
    `.wav files or their bytes (PCM 8/16/24/32-bit, float, A-law, µ-law, IMA ADPCM; any rate; mono or stereo) → mono ${spec.sampleRate} Hz; ` +
    `one vector per ${seconds(f.window)} s window every ${seconds(f.hop)} s, pooled over the windows of real audio; clips under ${(spec.minSamples / spec.sampleRate).toFixed(2)} s are centred in silence`
  );
}

/**
 * An audio backbone made of a front-end graph (waveform → feature frames) and an embedding graph
 * (a fixed window of frames → one vector), as Google's speech_embedding is published. Each clip is
 * decoded, mixed down and resampled in `@modelhub/audio`, padded with silence to `minSamples`, run
 * through the front end, cut into windows (`planWindows`), embedded in one batch per call, and
 * pooled (masked to the windows centred on real audio) by core's shared pooling.
 */
export class AudioFeatureExtractor implements FeatureExtractor {
  readonly modelId: string;
  readonly dim: number;
  readonly tap: FeatureTap;
  readonly preprocess: AudioSpec;
  private readonly graphs: AudioGraphs;
  private readonly pooling: WindowPooling;
  private readonly embedDim: number;
  private disposed = false;

  private constructor(
    modelId: string,
    spec: AudioSpec,
    graphs: AudioGraphs,
    pooling: WindowPooling,
    embedDim: number,
  ) {
    this.modelId = modelId;
    this.preprocess = spec;
    this.graphs = graphs;
    this.pooling = pooling;
    this.embedDim = embedDim;
    this.dim = pooledDim([1, 1, embedDim], pooling);
    const output = graphs.embedding.outputNames[0] ?? 'output';
    this.tap = { tensor: output, runtime: 'onnx', pooling, dim: this.dim };
  }

  /** Opens both graphs of `spec` in `modelDir` and probes the embedding width with one silent window. */
  static async open(
    modelDir: string,
    spec: AudioSpec,
    modelId: string,
    pooling: WindowPooling,
  ): Promise<AudioFeatureExtractor> {
    const f = spec.frontend;
    const frontend = await createSession(join(modelDir, f.frontendFile), f.frontendFile);
    let embedding: InferenceSession;
    try {
      embedding = await createSession(join(modelDir, f.embeddingFile), f.embeddingFile);
    } catch (error) {
      await frontend.release();
      throw error;
    }
    const graphs = { frontend, embedding };
    try {
      const input = frontend.inputNames[0] ?? 'input';
      const output = frontend.outputNames[0] ?? 'output';
      const silence = new Tensor('float32', new Float32Array(spec.minSamples), [1, spec.minSamples]);
      const width = (await frontend.run({ [input]: silence }, [output]))[output]?.dims.at(-1) ?? 0;
      const embedDim = (await runEmbedding(graphs, new Float32Array(f.window * width), 1, f.window, width))
        .length;
      return new AudioFeatureExtractor(modelId, spec, graphs, pooling, embedDim);
    } catch (error) {
      await frontend.release();
      await embedding.release();
      throw error;
    }
  }

  async embed(inputs: readonly ModelInput[]): Promise<EmbedResult> {
    if (this.disposed) {
      throw new ModelhubError('INVALID_ARGUMENT', `The feature extractor for ${this.modelId} was disposed.`);
    }
    const vectors = new Array<Float32Array | undefined>(inputs.length).fill(undefined);
    const failures: EmbedFailure[] = [];
    const clips: Array<{ index: number; windows: Float32Array; count: number; mask: Float32Array }> = [];
    let width = 0;
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index] as ModelInput;
      try {
        const audio = await loadAudio(input, this.preprocess.sampleRate);
        const frames = await this.frames(audio);
        width = frames.width;
        clips.push({ index, ...frames });
      } catch (error) {
        const wrapped = isModelhubError(error)
          ? error
          : new ModelhubError('INVALID_INPUT', `Cannot embed ${describe(input)}: ${String(error)}`, {
              cause: error,
            });
        failures.push({ index, input: describe(input), error: wrapped });
      }
    }
    if (clips.length > 0) {
      const f = this.preprocess.frontend;
      const total = clips.reduce((n, c) => n + c.count, 0);
      const batch = new Float32Array(total * f.window * width);
      let at = 0;
      for (const clip of clips) {
        batch.set(clip.windows, at);
        at += clip.windows.length;
      }
      const embedded = await runEmbedding(this.graphs, batch, total, f.window, width);
      let row = 0;
      for (const clip of clips) {
        const data = embedded.subarray(row * this.embedDim, (row + clip.count) * this.embedDim);
        row += clip.count;
        const [vector] = poolFeatures(
          { data, dims: [1, clip.count, this.embedDim] },
          this.pooling,
          clip.mask,
        );
        vectors[clip.index] = vector;
      }
    }
    return { vectors, failures };
  }

  /** A clip's front-end frames cut into windows: `[count, window, width]` values and the real-audio mask. */
  private async frames(
    audio: LoadedAudio,
  ): Promise<{ windows: Float32Array; count: number; mask: Float32Array; width: number }> {
    const spec = this.preprocess;
    const f = spec.frontend;
    const length = Math.max(audio.samples.length, spec.minSamples);
    const offset = Math.floor((length - audio.samples.length) / 2);
    const wave = new Float32Array(length);
    for (let i = 0; i < audio.samples.length; i++) {
      wave[offset + i] = (audio.samples[i] ?? 0) * spec.scale;
    }
    const input = this.graphs.frontend.inputNames[0] ?? 'input';
    const output = this.graphs.frontend.outputNames[0] ?? 'output';
    const out = await this.graphs.frontend.run({ [input]: new Tensor('float32', wave, [1, length]) }, [
      output,
    ]);
    const t = out[output];
    if (t === undefined) {
      throw new ModelhubError('INTERNAL', `${f.frontendFile} returned no "${output}" tensor.`);
    }
    const data = t.data as Float32Array;
    const width = t.dims.at(-1) ?? 1;
    const frameCount = data.length / width;
    const realStart = Math.floor(offset / f.samplesPerFrame);
    const realEnd = Math.max(realStart + 1, Math.ceil((offset + audio.samples.length) / f.samplesPerFrame));
    const plan = planWindows(frameCount, f.window, f.hop, realStart, realEnd);
    const windows = new Float32Array(plan.starts.length * f.window * width);
    plan.starts.forEach((start, w) => {
      for (let k = 0; k < f.window * width; k++) {
        const v = data[start * width + k];
        // A window past the last frame (only for clips shorter than one window) reads silence.
        windows[w * f.window * width + k] =
          v === undefined ? f.frameOffset : v * f.frameScale + f.frameOffset;
      }
    });
    return { windows, count: plan.starts.length, mask: plan.mask, width };
  }

  async dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      await this.graphs.frontend.release();
      await this.graphs.embedding.release();
    }
  }
}

/** Runs the embedding graph on `count` windows; returns `count × D` values. */
async function runEmbedding(
  graphs: AudioGraphs,
  windows: Float32Array,
  count: number,
  window: number,
  width: number,
): Promise<Float32Array> {
  const input = graphs.embedding.inputNames[0] ?? 'input_1';
  const output = graphs.embedding.outputNames[0] ?? 'output';
  const out = await graphs.embedding.run(
    { [input]: new Tensor('float32', windows, [count, window, width, 1]) },
    [output],
  );
  const t = out[output];
  if (t === undefined) {
    throw new ModelhubError('INTERNAL', `the embedding graph returned no "${output}" tensor.`);
  }
  return t.data as Float32Array;
}

function describe(input: ModelInput): string {
  return typeof input === 'string'
    ? input
    : input instanceof Uint8Array
      ? `<${input.byteLength} bytes>`
      : (input.name ?? '<text>');
}
