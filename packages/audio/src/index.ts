/**
 * @packageDocumentation
 * Audio inputs for modelhub, in one place: WAV decoding (`wavefile`), downmixing to mono,
 * resampling (`wave-resampler`, low-pass filtered) and the windowing plan of fixed-window models.
 */
export { decodeWav } from './decode/decode-wav.ts';
export type { DecodedAudio } from './decode/decode-wav.ts';
export { sniffAudioFormat } from './decode/sniff-format.ts';
export { downmix } from './signal/downmix.ts';
export { resample } from './signal/resample.ts';
export { loadAudio, describeAudioInput } from './load/load-audio.ts';
export type { LoadedAudio } from './load/load-audio.ts';
export { planWindows } from './window/plan-windows.ts';
export type { WindowPlan } from './window/plan-windows.ts';
export { resolveAudioSpec, readAudioHints } from './spec/resolve-audio-spec.ts';
export type { AudioHints } from './spec/resolve-audio-spec.ts';
