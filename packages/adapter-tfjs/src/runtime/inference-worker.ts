// Worker thread entry: one single-threaded wasm backend per worker (tfjs-backend-wasm's own
// multi-threading does not work in Node), one loaded model, requests answered in order.
// Worker-safe: no @modelhub imports (see model-files.ts).
import { parentPort, workerData } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { dirIOHandler } from '../model/model-files.ts';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.ts';

const init = workerData as WorkerInit;
const port = parentPort;

function post(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function main(): Promise<void> {
  setWasmPaths(init.wasmDir);
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('the tfjs wasm backend failed to initialise');
  }
  await tf.ready();
  let run: (x: tf.Tensor) => tf.Tensor;
  let describe: (names: string[], inputShape: number[]) => Array<number[] | null>;
  let dispose: () => void;
  // Graph models with named integer inputs (USE's sparse ids) run through executeAsync.
  let runSparse: ((indices: Int32Array, values: Int32Array) => Promise<tf.Tensor>) | undefined;
  if (init.kind === 'layers') {
    const model = await tf.loadLayersModel(dirIOHandler(init.modelDir));
    const names = new Set(model.layers.map((l) => l.name));
    if (init.tap !== null && !names.has(init.tap)) {
      throw Object.assign(new Error(`the model has no layer "${init.tap}"`), { code: 'INVALID_ARGUMENT' });
    }
    const cut =
      init.tap === null
        ? model
        : tf.model({ inputs: model.inputs, outputs: model.getLayer(init.tap).getOutputAt(0) });
    run = (x) => cut.predict(x) as tf.Tensor;
    describe = (list) =>
      list.map((name) => {
        if (!names.has(name)) {
          return null;
        }
        const shape = model.getLayer(name).outputShape;
        return Array.isArray(shape[0]) ? null : (shape as Array<number | null>).map((d) => d ?? -1);
      });
    dispose = () => {
      model.dispose();
    };
  } else {
    const model = await tf.loadGraphModel(dirIOHandler(init.modelDir));
    const output = init.tap;
    runSparse = async (indices, values) => {
      const feeds = {
        indices: tf.tensor2d(indices, [indices.length / 2, 2], 'int32'),
        values: tf.tensor1d(values, 'int32'),
      };
      try {
        return (await model.executeAsync(feeds, output ?? undefined)) as tf.Tensor;
      } finally {
        feeds.indices.dispose();
        feeds.values.dispose();
      }
    };
    run = (x) =>
      output === null ? (model.predict(x) as tf.Tensor) : (model.execute(x, output) as tf.Tensor);
    describe = (list, inputShape) => {
      const shapes: Array<number[] | null> = [];
      for (const name of list) {
        try {
          const y = tf.tidy(() => model.execute(tf.zeros(inputShape), name) as tf.Tensor);
          shapes.push(y.shape);
          y.dispose();
        } catch {
          shapes.push(null);
        }
      }
      return shapes;
    };
    dispose = () => {
      model.dispose();
    };
  }
  // The tap's output goes back unpooled: the main thread pools it with the shared pooling of
  // @modelhub/core (which this worker cannot import), masking padded positions.
  const infer = async (
    data: Float32Array,
    shape: number[],
  ): Promise<{ data: Float32Array; shape: number[] }> => {
    const out = tf.tidy(() => run(tf.tensor(data, shape, 'float32')));
    try {
      // Copy: the backend's array may view wasm memory, which must not be transferred away.
      const values = new Float32Array((await out.data()) as Float32Array);
      return { data: values, shape: out.shape };
    } finally {
      out.dispose();
    }
  };
  let warmShape: number[] | null = null;
  if (init.warmupShape !== null) {
    const size = init.warmupShape.reduce((a, b) => a * b, 1);
    warmShape = (await infer(new Float32Array(size), init.warmupShape)).shape;
  }
  // Requests are answered one at a time, in order: the pool keeps the next one queued here.
  let queue = Promise.resolve();
  port?.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      try {
        if (request.type === 'run') {
          const result = await infer(request.data, request.shape);
          post({ type: 'run', id: request.id, data: result.data, shape: result.shape }, [
            result.data.buffer as ArrayBuffer,
          ]);
        } else if (request.type === 'run-sparse') {
          if (runSparse === undefined) {
            throw new Error('this model takes no sparse token ids');
          }
          const y = await runSparse(request.indices, request.values);
          try {
            const values = new Float32Array((await y.data()) as Float32Array);
            post({ type: 'run', id: request.id, data: values, shape: y.shape }, [values.buffer]);
          } finally {
            y.dispose();
          }
        } else if (request.type === 'memory') {
          const { numTensors, numBytes } = tf.memory();
          post({ type: 'memory', id: request.id, numTensors, numBytes });
        } else {
          post({ type: 'describe', id: request.id, shapes: describe(request.names, request.inputShape) });
        }
      } catch (error) {
        post({
          type: 'error',
          id: request.id,
          message: error instanceof Error ? error.message : String(error),
          code: null,
        });
      }
    });
  });
  port?.once('close', dispose);
  post({ type: 'ready', shape: warmShape });
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  post({
    type: 'error',
    id: null,
    message: error instanceof Error ? error.message : String(error),
    code: typeof code === 'string' ? code : null,
  });
});
