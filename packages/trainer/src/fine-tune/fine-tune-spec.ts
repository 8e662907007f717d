import { ModelhubError, type FeatureTap } from '@modelhub/core';

/** How much of the backbone trains: nothing (Option 1), its last N layers, or all of it (Option 2). */
export type FineTuneSpec =
  { readonly mode: 'none' } | { readonly mode: 'last'; readonly layers: number } | { readonly mode: 'all' };

/** Parses `--fine-tune none|last:N|all`. */
export function parseFineTune(text: string): FineTuneSpec {
  if (text === 'none') {
    return { mode: 'none' };
  }
  if (text === 'all') {
    return { mode: 'all' };
  }
  const match = /^last:(\d+)$/.exec(text);
  const n = match === null ? Number.NaN : Number(match[1]);
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `--fine-tune ${text} is not one of none, last:N (N ≥ 1), all`,
      {
        hint: 'Use --fine-tune none (the default: train only the new head), last:2 or all.',
      },
    );
  }
  return { mode: 'last', layers: n };
}

/** Why a backbone format cannot be trained here; undefined when it can. */
function whyNotTrainable(runtime: FeatureTap['runtime']): string | undefined {
  switch (runtime) {
    case 'onnx':
      return 'onnxruntime-node only runs models forward: ONNX Runtime has no training API in Node (on-device training was removed from onnxruntime-web and never worked in Node), so ONNX weights cannot be updated here';
    case 'tfjs-graph':
      return 'a TF.js graph model is a frozen graph (its weights are constants, not variables), so it cannot be trained';
    case 'pixels':
      return 'raw pixels have no backbone to train';
    case 'tfjs-layers':
      return undefined;
  }
}

/**
 * Checks that `--fine-tune` can be honoured for this backbone. Option 2 needs a TF.js layers model
 * (trained on the wasm backend, see wasm-training-backend.ts); for ONNX and TF.js graph models it
 * fails and says why, suggesting Option 1 (the default), which works with every backbone.
 */
export function assertFineTunable(runtime: FeatureTap['runtime'], spec: FineTuneSpec, modelId: string): void {
  if (spec.mode === 'none') {
    return;
  }
  const reason = whyNotTrainable(runtime);
  const flag = spec.mode === 'all' ? 'all' : `last:${spec.layers}`;
  if (reason !== undefined) {
    throw new ModelhubError('UNSUPPORTED_MODEL', `--fine-tune ${flag} cannot train ${modelId}: ${reason}.`, {
      hint: 'Drop --fine-tune (or pass --fine-tune none) to fit a new head on the frozen features (Option 1): it needs no backbone training and works best with little data. Fine-tuning needs a TF.js layers model.',
      details: { modelId, runtime, fineTune: flag },
    });
  }
}
