// Messages between the main thread and an inference worker. Worker-safe (types only).

/** `workerData` of an inference worker. */
export interface WorkerInit {
  readonly modelDir: string;
  readonly kind: 'layers' | 'graph';
  /** Layer (layers model) or node (graph model) to read; null = the model's own output. */
  readonly tap: string | null;
  /** A full input shape (with batch 1) to warm up with and report the output size; null = skip. */
  readonly warmupShape: number[] | null;
  /** Absolute folder holding the tfjs-backend-wasm `.wasm` files, ending with a separator. */
  readonly wasmDir: string;
}

export type WorkerRequest =
  | { readonly type: 'run'; readonly id: number; readonly data: Float32Array; readonly shape: number[] }
  | {
      readonly type: 'describe';
      readonly id: number;
      readonly names: string[];
      readonly inputShape: number[];
    }
  | { readonly type: 'memory'; readonly id: number }
  | {
      /** A sparse batch of token ids (Universal Sentence Encoder's `indices` [n,2] and `values` [n]). */
      readonly type: 'run-sparse';
      readonly id: number;
      readonly indices: Int32Array;
      readonly values: Int32Array;
    };

export type WorkerResponse =
  | {
      readonly type: 'ready';
      /** Shape of the output (the tap, unpooled) for the warm-up input; null when not warmed up. */
      readonly shape: number[] | null;
    }
  | { readonly type: 'run'; readonly id: number; readonly data: Float32Array; readonly shape: number[] }
  | { readonly type: 'describe'; readonly id: number; readonly shapes: Array<number[] | null> }
  | { readonly type: 'memory'; readonly id: number; readonly numTensors: number; readonly numBytes: number }
  | {
      readonly type: 'error';
      readonly id: number | null;
      readonly message: string;
      readonly code: string | null;
    };
