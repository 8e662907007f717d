import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { Worker } from 'node:worker_threads';

import { ModelhubError } from '@modelhub/core';
import type { ErrorCode } from '@modelhub/core';

import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.ts';

/** What every worker reported after loading the model and running the warm-up input. */
export interface WorkerReady {
  /** Shape of the (unpooled) output for the warm-up input; null when not warmed up. */
  readonly shape: number[] | null;
}

interface Pending {
  readonly resolve: (r: WorkerResponse) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Requests sent and not answered yet, oldest first (the worker answers in order). */
  readonly pending: Pending[];
  /** Requests handed this slot: `pending` plus those about to be sent. */
  inFlight: number;
}

/**
 * Requests in flight per worker: while one batch runs, the next waits in the worker's own queue,
 * so the worker never idles for a round trip to this thread (which, on a busy machine, can wait
 * for a time slice).
 */
const DEPTH = 2;

/** Where tfjs-backend-wasm's `.wasm` files are, as a folder path ending with a separator. */
export function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
}

// Sources run directly under Node's type stripping (and vitest); the build emits `.js`.
const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './inference-worker.ts' : './inference-worker.js',
  import.meta.url,
);

const knownCodes = new Set<string>([
  'INVALID_ARGUMENT',
  'UNSUPPORTED_MODEL',
  'INVALID_MANIFEST',
  'ENTRY_NOT_FOUND',
]);

function workerError(modelDir: string, message: string, code: string | null): ModelhubError {
  const known = code !== null && knownCodes.has(code) ? (code as ErrorCode) : 'BACKEND_UNAVAILABLE';
  return new ModelhubError(known, `TF.js model in ${modelDir}: ${message}`, {
    hint:
      known === 'BACKEND_UNAVAILABLE'
        ? 'Check that @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are installed and the model files are complete.'
        : 'Check the model folder and the --layer name (see `hub inspect`).',
    details: { modelDir },
  });
}

/**
 * A fixed set of worker threads, each with its own single-threaded wasm backend and its own copy
 * of the model. Requests go to the least busy worker, up to DEPTH each; callers queue beyond that.
 */
export class WorkerPool {
  readonly size: number;
  readonly ready: WorkerReady;
  private readonly slots: Slot[];
  private readonly waiting: Array<{ resolve: (slot: Slot) => void; reject: (error: Error) => void }> = [];
  private failure: ModelhubError | undefined;
  private readonly modelDir: string;
  private nextId = 1;
  private closed = false;

  private constructor(modelDir: string, slots: Slot[], ready: WorkerReady) {
    this.modelDir = modelDir;
    this.slots = slots;
    this.size = slots.length;
    this.ready = ready;
  }

  /** Starts `count` workers and waits until each has loaded the model (and warmed up). */
  static async start(count: number, init: Omit<WorkerInit, 'wasmDir'>): Promise<WorkerPool> {
    const data: WorkerInit = { ...init, wasmDir: wasmDir() };
    const slots: Slot[] = [];
    const readies: Array<Promise<WorkerReady>> = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(workerUrl, { workerData: data });
      const slot: Slot = { worker, pending: [], inFlight: 0 };
      slots.push(slot);
      readies.push(
        new Promise<WorkerReady>((resolve, reject) => {
          const onMessage = (message: WorkerResponse): void => {
            if (message.type === 'ready') {
              worker.off('error', onError);
              worker.off('message', onMessage);
              resolve(message);
            } else if (message.type === 'error') {
              reject(workerError(init.modelDir, message.message, message.code));
            }
          };
          const onError = (error: Error): void => {
            reject(workerError(init.modelDir, error.message, null));
          };
          worker.on('message', onMessage);
          worker.once('error', onError);
        }),
      );
    }
    let ready: WorkerReady;
    try {
      [ready = { shape: null }] = await Promise.all(readies);
    } catch (error) {
      await Promise.all(slots.map((s) => s.worker.terminate()));
      throw error;
    }
    const pool = new WorkerPool(init.modelDir, slots, ready);
    for (const slot of slots) {
      pool.listen(slot);
    }
    return pool;
  }

  private listen(slot: Slot): void {
    slot.worker.on('message', (message: WorkerResponse) => {
      const pending = slot.pending.shift();
      if (pending === undefined) {
        return;
      }
      if (message.type === 'error') {
        pending.reject(workerError(this.modelDir, message.message, message.code));
      } else {
        pending.resolve(message);
      }
      this.release(slot);
    });
    // A crashed worker (e.g. out of wasm memory) fails the whole pool: pending and queued
    // requests reject instead of waiting forever for a worker that will not come back.
    const fail = (reason: string): void => {
      if (this.closed) {
        return;
      }
      const error = workerError(this.modelDir, reason, null);
      this.failure ??= error;
      for (const pending of slot.pending.splice(0)) {
        pending.reject(error);
      }
      for (const waiter of this.waiting.splice(0)) {
        waiter.reject(error);
      }
    };
    slot.worker.on('error', (error: Error) => {
      fail(`worker crashed: ${error.message}`);
    });
    slot.worker.on('exit', (code: number) => {
      fail(`worker exited with code ${code}`);
    });
  }

  private release(slot: Slot): void {
    slot.inFlight--;
    const next = this.waiting.shift();
    if (next !== undefined) {
      slot.inFlight++;
      next.resolve(slot);
    }
  }

  /** The least busy worker with room (counted at once, so concurrent callers spread out). */
  private acquire(): Promise<Slot> {
    if (this.failure !== undefined) {
      return Promise.reject(this.failure);
    }
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (slot.inFlight < DEPTH && (best === undefined || slot.inFlight < best.inFlight)) {
        best = slot;
      }
    }
    if (best === undefined) {
      return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    best.inFlight++;
    return Promise.resolve(best);
  }

  /** Sends a request on a slot already counted in its `inFlight`. */
  private send(slot: Slot, request: WorkerRequest, transfer: ArrayBuffer[]): Promise<WorkerResponse> {
    return new Promise<WorkerResponse>((resolve, reject) => {
      slot.pending.push({ resolve, reject });
      slot.worker.postMessage(request, transfer);
    });
  }

  private async request(
    make: (id: number) => WorkerRequest,
    transfer: ArrayBuffer[],
  ): Promise<WorkerResponse> {
    if (this.closed) {
      throw new ModelhubError('INTERNAL', 'The TF.js feature extractor has been disposed');
    }
    const slot = await this.acquire();
    return this.send(slot, make(this.nextId++), transfer);
  }

  /** Runs one batch `[n, ...]`; returns the model's (or tap's) output as it is. `data` is transferred. */
  async run(data: Float32Array, shape: number[]): Promise<{ data: Float32Array; shape: number[] }> {
    const response = await this.request(
      (id) => ({ type: 'run', id, data, shape }),
      [data.buffer as ArrayBuffer],
    );
    if (response.type !== 'run') {
      throw new ModelhubError('INTERNAL', `unexpected worker response ${response.type}`);
    }
    return { data: response.data, shape: response.shape };
  }

  /** Runs a graph model on a sparse batch of token ids; returns its output `[rows, dim]`. */
  async runSparse(indices: Int32Array, values: Int32Array): Promise<{ data: Float32Array; shape: number[] }> {
    const response = await this.request(
      (id) => ({ type: 'run-sparse', id, indices, values }),
      [indices.buffer as ArrayBuffer, values.buffer as ArrayBuffer],
    );
    if (response.type !== 'run') {
      throw new ModelhubError('INTERNAL', `unexpected worker response ${response.type}`);
    }
    return { data: response.data, shape: response.shape };
  }

  /** Output shapes of named layers / nodes (null where unknown). */
  async describe(names: string[], inputShape: number[]): Promise<Array<number[] | null>> {
    const response = await this.request((id) => ({ type: 'describe', id, names, inputShape }), []);
    if (response.type !== 'describe') {
      throw new ModelhubError('INTERNAL', `unexpected worker response ${response.type}`);
    }
    return response.shapes;
  }

  /**
   * Live tensors and bytes in each worker's tf engine. Each worker answers after the requests
   * already queued to it, so the figures are those of an idle worker.
   */
  async memory(): Promise<Array<{ numTensors: number; numBytes: number }>> {
    return Promise.all(
      this.slots.map(async (slot) => {
        slot.inFlight++;
        const r = await this.send(slot, { type: 'memory', id: this.nextId++ }, []);
        return r.type === 'memory'
          ? { numTensors: r.numTensors, numBytes: r.numBytes }
          : { numTensors: -1, numBytes: -1 };
      }),
    );
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    const error = new ModelhubError('INTERNAL', 'The TF.js feature extractor has been disposed');
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(error);
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
