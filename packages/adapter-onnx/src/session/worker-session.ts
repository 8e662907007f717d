import { Worker } from 'node:worker_threads';

import { ModelhubError } from '@modelhub/core';

import { sessionOptions } from './session-options.ts';
import { startSpareWorker, takeSpareWorker, workerFile } from './spare-worker.ts';

/** One output tensor copied out of the worker. */
export interface WorkerTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

type OutMessage =
  | { readonly type: 'ready'; readonly inputNames: string[]; readonly outputNames: string[] }
  | { readonly type: 'open-error'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly outputs: Record<string, WorkerTensor> }
  | { readonly type: 'run-error'; readonly id: number; readonly message: string }
  | { readonly type: 'released' };

interface Pending {
  resolve(outputs: Record<string, WorkerTensor>): void;
  reject(error: Error): void;
}

/**
 * An onnxruntime session living on its own worker thread: `run` does not block the main thread,
 * so image decoding (sharp callbacks, normalisation) proceeds while a batch is inferred.
 * Inputs are transferred, not copied, when `transfer` is set.
 */
export class WorkerSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  private released: Promise<void> | undefined;

  private constructor(worker: Worker, inputNames: string[], outputNames: string[]) {
    this.worker = worker;
    this.inputNames = inputNames;
    this.outputNames = outputNames;
    worker.on('message', (msg: OutMessage) => {
      if (msg.type === 'result' || msg.type === 'run-error') {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        this.updateRef();
        if (msg.type === 'result') {
          p?.resolve(msg.outputs);
        } else {
          p?.reject(new Error(msg.message));
        }
      }
    });
    const fail = (error: Error): void => {
      this.failure = error;
      for (const p of this.pending.values()) {
        p.reject(error);
      }
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.released === undefined) {
        fail(new Error(`the inference worker exited (code ${code})`));
      }
    });
    this.updateRef();
  }

  /**
   * Starts a worker and onnxruntime in it before the model is known (see `startSpareWorker`), so
   * that the next {@link WorkerSession.open} only creates the session. Loaders call it before they
   * parse the graph, which is what the model file's path waits for; the `hub` launcher calls it
   * earlier still, for the commands that run a model.
   */
  static prestart(): void {
    startSpareWorker();
  }

  /** Opens the model on a worker (the one {@link WorkerSession.prestart} started, else a new one), by path so external data resolves. */
  static async open(path: string, source: string): Promise<WorkerSession> {
    const started = takeSpareWorker();
    const worker = started ?? new Worker(workerFile, { workerData: { path, options: sessionOptions } });
    if (started !== undefined) {
      started.ref();
      started.postMessage({ type: 'open', path });
    }
    const ready = await new Promise<Extract<OutMessage, { type: 'ready' }>>((resolve, reject) => {
      worker.once('message', (msg: OutMessage) => {
        if (msg.type === 'ready') {
          resolve(msg);
        } else {
          reject(new Error(msg.type === 'open-error' ? msg.message : `unexpected ${msg.type}`));
        }
      });
      worker.once('error', reject);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
      throw new ModelhubError('UNSUPPORTED_MODEL', `onnxruntime cannot load ${source}: ${reason}`, {
        hint: 'The model may use operators or an opset this onnxruntime-node does not support, or be corrupt.',
        details: { path },
        cause: error,
      });
    });
    return new WorkerSession(worker, ready.inputNames, ready.outputNames);
  }

  /** Keeps the process alive only while a run is in flight. */
  private updateRef(): void {
    if (this.pending.size > 0) {
      this.worker.ref();
    } else {
      this.worker.unref();
    }
  }

  /** Runs one float32 input and returns the fetched outputs. */
  run(
    input: string,
    data: Float32Array,
    dims: readonly number[],
    fetches: readonly string[],
    transfer = false,
  ): Promise<Record<string, WorkerTensor>> {
    if (this.failure !== undefined) {
      return Promise.reject(this.failure);
    }
    if (this.released !== undefined) {
      return Promise.reject(new Error('the session was released'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.updateRef();
      const buffers = transfer && data.buffer instanceof ArrayBuffer ? [data.buffer] : [];
      this.worker.postMessage(
        { type: 'run', id, input, data, dims: [...dims], fetches: [...fetches] },
        buffers,
      );
    });
  }

  /** Releases the session and stops the worker (idempotent). */
  release(): Promise<void> {
    this.released ??= (async () => {
      if (this.failure === undefined) {
        this.worker.ref();
        await new Promise<void>((resolve) => {
          const done = (msg: OutMessage): void => {
            if (msg.type === 'released') {
              this.worker.off('message', done);
              resolve();
            }
          };
          this.worker.on('message', done);
          this.worker.once('exit', () => resolve());
          this.worker.postMessage({ type: 'release' });
        });
      }
      await this.worker.terminate();
    })();
    return this.released;
  }
}
