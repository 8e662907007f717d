import type { InferenceSession } from 'onnxruntime-node';

/**
 * Options for every session: CPU, full graph optimisation, and intra-op threads that sleep instead
 * of spinning between ops, so image decoding (sharp, overlapped with inference) gets CPU time on
 * small machines. Plain data in a module of its own: the spare worker's starter passes it to a
 * worker without loading onnxruntime on the thread that starts it.
 */
export const sessionOptions: InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};
