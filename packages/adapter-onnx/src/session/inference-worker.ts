// Runs one onnxruntime session on a worker thread. onnxruntime-node's `run` blocks the thread it
// is called on, so keeping it here leaves the main thread free to decode the next batch.
// Protocol (all messages are plain objects):
//   in:  { type: 'open', path } (when started without a path: a worker started ahead of its model)
//        { type: 'run', id, input, data: Float32Array, dims, fetches } | { type: 'release' }
//   out: { type: 'ready', inputNames, outputNames } | { type: 'open-error', message }
//        { type: 'result', id, outputs: { [name]: { data, dims } } } | { type: 'run-error', id, message }
//        { type: 'released' }
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

import { InferenceSession, Tensor } from 'onnxruntime-node';

interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly input: string;
  readonly data: Float32Array;
  readonly dims: number[];
  readonly fetches: string[];
}
type InMessage = RunMessage | { readonly type: 'release' } | { readonly type: 'open'; readonly path: string };

const port = parentPort;
const { path, options } = workerData as {
  path: string | undefined;
  options: InferenceSession.SessionOptions;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * A worker started ahead of its model creates onnxruntime's environment while it waits (~20 ms),
 * which the first session would otherwise do on the critical path. onnxruntime-node has no public
 * call for it; its internal `initOrt` (idempotent, the one `InferenceSession.create` calls) is used
 * when present, and nothing is done when a later version moves it.
 */
function warmUp(): void {
  try {
    const binding: unknown = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js');
    const init = (binding as { initOrt?: unknown } | null)?.initOrt;
    if (typeof init === 'function') {
      (init as () => void)();
    }
  } catch {
    // The first session initialises it instead.
  }
}

if (port !== null) {
  let session: InferenceSession | undefined;
  const open = async (model: string): Promise<void> => {
    try {
      session = await InferenceSession.create(model, options);
      port.postMessage({ type: 'ready', inputNames: session.inputNames, outputNames: session.outputNames });
    } catch (error) {
      port.postMessage({ type: 'open-error', message: errorText(error) });
    }
  };
  if (path !== undefined) {
    await open(path);
  } else {
    warmUp();
  }
  port.on('message', (msg: InMessage) => {
    void (async () => {
      if (msg.type === 'open') {
        await open(msg.path);
        return;
      }
      if (session === undefined) {
        return;
      }
      if (msg.type === 'release') {
        await session.release();
        port.postMessage({ type: 'released' });
        return;
      }
      try {
        const out = await session.run(
          { [msg.input]: new Tensor('float32', msg.data, msg.dims) },
          msg.fetches,
        );
        const outputs: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
        const transfer: ArrayBuffer[] = [];
        for (const name of msg.fetches) {
          const t = out[name];
          if (t !== undefined) {
            const data = t.data as Float32Array;
            outputs[name] = { data, dims: t.dims };
            if (data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer)) {
              transfer.push(data.buffer);
            }
          }
        }
        port.postMessage({ type: 'result', id: msg.id, outputs }, transfer);
      } catch (error) {
        port.postMessage({ type: 'run-error', id: msg.id, message: errorText(error) });
      }
    })();
  });
}
