import { InferenceSession } from 'onnxruntime-node';

import { ModelhubError } from '@modelhub/core';

import { sessionOptions } from './session-options.ts';

/** Opens an onnxruntime session on a model file (by path, so external data resolves). */
export async function createSession(path: string, source: string): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(path, sessionOptions);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ModelhubError('UNSUPPORTED_MODEL', `onnxruntime cannot load ${source}: ${reason}`, {
      hint: 'The model may use operators or an opset this onnxruntime-node does not support, or be corrupt.',
      details: { path },
      cause: error,
    });
  }
}
