import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { sessionOptions } from './session-options.ts';

// Sources run as .ts (Node type stripping, vitest), the published build as .js.
export const workerFile = new URL(
  `./inference-worker${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

/**
 * Where the spare worker waits: a slot on `globalThis`, not a module variable, because two copies
 * of this module can run in one process. The `hub` launcher starts the worker from the package's
 * own build before the CLI's bundle (which carries a copy of this module) has loaded; whichever
 * copy opens the first session takes it.
 */
const slot = Symbol.for('@modelhub/adapter-onnx/spare-worker');
type SlotHolder = { [slot]?: Worker | undefined };
const holder = globalThis as SlotHolder;

/**
 * Starts an inference worker, and onnxruntime in it, before the model is known (~60–90 ms of a
 * fresh process), so that the next session only has to be created. Does nothing when one is
 * already waiting. An unused one does not keep the process alive; one that fails to start is
 * dropped, and the session that would have taken it starts its own and reports why.
 */
export function startSpareWorker(): void {
  if (holder[slot] !== undefined) {
    return;
  }
  const worker = new Worker(workerFile, { workerData: { path: undefined, options: sessionOptions } });
  worker.unref();
  worker.once('error', () => {
    if (holder[slot] === worker) {
      holder[slot] = undefined;
    }
  });
  holder[slot] = worker;
}

/** The waiting worker, if any, now the caller's (it still waits for an `open` message). */
export function takeSpareWorker(): Worker | undefined {
  const worker = holder[slot];
  holder[slot] = undefined;
  return worker;
}
