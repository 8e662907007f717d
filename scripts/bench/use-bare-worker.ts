// The bare runtime side of scripts/bench/text-audio.ts: a worker thread that owns one tfjs wasm
// backend and the USE-lite graph, as the adapter's inference worker does, and answers each sparse
// batch with GraphModel.executeAsync. No modelhub code runs here beyond the model-folder IO handler.
import { parentPort, workerData } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { dirIOHandler } from '@modelhub/adapter-tfjs';

const { modelDir, wasmDir } = workerData as { modelDir: string; wasmDir: string };
setWasmPaths(wasmDir);
await tf.setBackend('wasm');
await tf.ready();
const model = await tf.loadGraphModel(dirIOHandler(modelDir));

// One batch at a time, in order (running them interleaved on one wasm backend is slower).
let queue = Promise.resolve();
parentPort?.on('message', (batch: { indices: Int32Array; values: Int32Array }) => {
  queue = queue.then(async () => {
    const indices = tf.tensor2d(batch.indices, [batch.indices.length / 2, 2], 'int32');
    const values = tf.tensor1d(batch.values, 'int32');
    const y = (await model.executeAsync({ indices, values })) as tf.Tensor;
    const data = (await y.data()) as Float32Array;
    tf.dispose([indices, values, y]);
    parentPort?.postMessage(data, [data.buffer as ArrayBuffer]);
  });
});
parentPort?.postMessage('ready');
