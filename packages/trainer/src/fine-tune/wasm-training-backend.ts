import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { ModelhubError } from '@modelhub/core';

import {
  conv2dFilterGradient,
  depthwiseFilterGradient,
  depthwiseInputGradient,
  type ConvGeometry,
} from './conv-gradients.ts';

// Option 2 trains on tfjs-backend-wasm (XNNPACK, SIMD), which ships forward kernels only. This
// module gives it what back-propagation through a CNN tail needs:
// - BatchMatMul with transposeA/transposeB: wasm's kernel handles those ~10× slower than the plain
//   product, and every matMul gradient uses them, so operands are transposed explicitly first;
// - Conv2DBackpropFilter (missing) and Conv2DBackpropInput for 1×1 stride-1 convolutions, MobileNet's
//   expand/project/Conv_1 layers, as two matrix products over the [pixels, channels] view;
// - the other missing gradient kernels (general Conv2DBackpropFilter, the depthwise pair) in JS
//   (conv-gradients.ts), on the wasm heap directly;
// - batch normalisation and global average pooling gradients without materialised broadcasts.

type KernelFunc = tf.KernelConfig['kernelFunc'];
type KernelInputs = Parameters<KernelFunc>[0]['inputs'];
type KernelAttrs = Parameters<KernelFunc>[0]['attrs'];

/** The parts of tfjs-backend-wasm's BackendWasm this module uses. */
interface WasmBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: tf.DataId): boolean;
}

function isWasmBackend(backend: unknown): backend is WasmBackend {
  return typeof backend === 'object' && backend !== null && 'typedArrayFromHeap' in backend;
}

function single(out: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo {
  if (Array.isArray(out)) {
    throw new ModelhubError('INTERNAL', 'a training kernel returned several tensors where one was expected');
  }
  return out;
}

function kernel(name: string, backendName: string): tf.KernelConfig {
  const config = tf.getKernel(name, backendName);
  if (config === undefined) {
    throw new ModelhubError('INTERNAL', `tfjs has no ${name} kernel for the ${backendName} backend`);
  }
  return config;
}

/** The forward wasm kernels the gradient kernels are built from (captured before any override). */
interface WasmOps {
  readonly backend: WasmBackend;
  readonly matMul: KernelFunc;
  readonly transpose: KernelFunc;
  readonly reshape: KernelFunc;
  readonly conv2dBackpropInput: KernelFunc;
  readonly avgPoolGrad: KernelFunc;
}

/** Runs wasm kernels, disposing every intermediate result that is not returned. */
class KernelScope {
  private readonly temps: tf.TensorInfo[] = [];
  private readonly ops: WasmOps;

  constructor(ops: WasmOps) {
    this.ops = ops;
  }

  private track(info: tf.TensorInfo): tf.TensorInfo {
    this.temps.push(info);
    return info;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.track(
      single(this.ops.reshape({ inputs: { x }, backend: this.ops.backend, attrs: { shape } })),
    );
  }

  /** Swaps the last two axes. */
  transpose(x: tf.TensorInfo): tf.TensorInfo {
    const rank = x.shape.length;
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    return this.track(
      single(this.ops.transpose({ inputs: { x }, backend: this.ops.backend, attrs: { perm } })),
    );
  }

  /** a·b on rank-3 operands, neither transposed (the fast XNNPACK path). */
  matMul(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.track(
      single(
        this.ops.matMul({
          inputs: { a, b },
          backend: this.ops.backend,
          attrs: { transposeA: false, transposeB: false },
        }),
      ),
    );
  }

  /** Returns `result` (kept) after disposing every other intermediate. */
  finish(result: tf.TensorInfo): tf.TensorInfo {
    for (const t of this.temps) {
      if (t !== result) {
        this.ops.backend.disposeData(t.dataId);
      }
    }
    return result;
  }
}

function numbers(value: unknown): number[] {
  if (typeof value === 'number') {
    return [value, value];
  }
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}

/** True for a 1×1, stride-1, undilated NHWC convolution: a matrix product per pixel. */
function isPointwise(filterShape: readonly number[], attrs: KernelAttrs): boolean {
  const strides = numbers(attrs?.['strides']);
  const dilations = attrs?.['dilations'] === undefined ? [1, 1] : numbers(attrs['dilations']);
  const format = attrs?.['dataFormat'] ?? 'NHWC';
  return (
    filterShape[0] === 1 &&
    filterShape[1] === 1 &&
    strides.every((s) => s === 1) &&
    dilations.every((d) => d === 1) &&
    format === 'NHWC'
  );
}

function pixels(shape: readonly number[]): number {
  return (shape[0] ?? 1) * (shape[1] ?? 1) * (shape[2] ?? 1);
}

/** A float32 view of a wasm tensor; valid until the next wasm allocation. */
function heap(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  const values = backend.typedArrayFromHeap(info);
  if (!(values instanceof Float32Array)) {
    throw new ModelhubError(
      'INTERNAL',
      `a training kernel got a ${info.dtype} tensor where float32 was expected`,
    );
  }
  return values;
}

/** Copies a result computed in JS into a new wasm tensor. */
function fromJs(backend: WasmBackend, shape: readonly number[], values: Float32Array): tf.TensorInfo {
  const out = backend.makeOutput([...shape], 'float32');
  backend.typedArrayFromHeap(out).set(values);
  return out;
}

/** Resolves padding, strides and output size the way tfjs's forward kernels do. */
function geometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: KernelAttrs,
  depthwise: boolean,
): ConvGeometry {
  const pad = attrs?.['pad'];
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    numbers(attrs?.['strides']) as [number, number],
    (attrs?.['dilations'] === undefined ? [1, 1] : numbers(attrs['dilations'])) as [number, number],
    pad as 'same' | 'valid' | number,
    attrs?.['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function input(inputs: KernelInputs, name: string): tf.TensorInfo {
  const info = inputs[name];
  if (info === undefined) {
    throw new ModelhubError('INTERNAL', `a training kernel is missing its input "${name}"`);
  }
  return info;
}

function installKernels(ops: WasmOps): void {
  const override = (kernelName: string, kernelFunc: KernelFunc): void => {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing !== undefined) {
      tf.unregisterKernel(kernelName, 'wasm');
    }
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc,
      ...(existing?.setupFunc === undefined ? {} : { setupFunc: existing.setupFunc }),
      ...(existing?.disposeFunc === undefined ? {} : { disposeFunc: existing.disposeFunc }),
    });
  };

  override('BatchMatMul', (args) => {
    const transposeA = args.attrs?.['transposeA'] === true;
    const transposeB = args.attrs?.['transposeB'] === true;
    if (!transposeA && !transposeB) {
      return ops.matMul(args);
    }
    const scope = new KernelScope(ops);
    const a = input(args.inputs, 'a');
    const b = input(args.inputs, 'b');
    const out = single(
      ops.matMul({
        inputs: { a: transposeA ? scope.transpose(a) : a, b: transposeB ? scope.transpose(b) : b },
        backend: ops.backend,
        attrs: { transposeA: false, transposeB: false },
      }),
    );
    scope.finish(out);
    return out;
  });

  override('Conv2DBackpropFilter', (args) => {
    const filterShape = numbers(args.attrs?.['filterShape']);
    if (!isPointwise(filterShape, args.attrs)) {
      const x = input(args.inputs, 'x');
      const g = geometry(x.shape, filterShape, args.attrs, false);
      return fromJs(
        ops.backend,
        filterShape,
        conv2dFilterGradient(g, heap(ops.backend, x), heap(ops.backend, input(args.inputs, 'dy'))),
      );
    }
    // dW[cin, cout] = Σ over pixels x[p, cin]·dy[p, cout] = xᵀ·dy.
    const x = input(args.inputs, 'x');
    const dy = input(args.inputs, 'dy');
    const scope = new KernelScope(ops);
    const xt = scope.transpose(scope.reshape(x, [1, pixels(x.shape), x.shape[3] ?? 1]));
    const product = scope.matMul(xt, scope.reshape(dy, [1, pixels(dy.shape), dy.shape[3] ?? 1]));
    return scope.finish(scope.reshape(product, filterShape));
  });

  override('Conv2DBackpropInput', (args) => {
    const filter = input(args.inputs, 'filter');
    if (!isPointwise(filter.shape, args.attrs)) {
      return ops.conv2dBackpropInput(args);
    }
    // dx[p, cin] = Σ over cout dy[p, cout]·W[cin, cout] = dy·Wᵀ.
    const dy = input(args.inputs, 'dy');
    const inputShape = numbers(args.attrs?.['inputShape']);
    const scope = new KernelScope(ops);
    const wt = scope.transpose(scope.reshape(filter, [1, filter.shape[2] ?? 1, filter.shape[3] ?? 1]));
    const product = scope.matMul(scope.reshape(dy, [1, pixels(dy.shape), dy.shape[3] ?? 1]), wt);
    return scope.finish(scope.reshape(product, inputShape));
  });

  override('AvgPoolGrad', (args) => {
    // A pooling window over the whole feature map (MobileNet's head) spreads dy evenly: the
    // generic kernel walks every window position instead.
    const dy = input(args.inputs, 'dy');
    const x = input(args.inputs, 'input');
    const window = numbers(args.attrs?.['filterSize']);
    const [n = 1, h = 1, w = 1, c = 1] = x.shape;
    if (
      x.shape.length !== 4 ||
      window[0] !== h ||
      window[1] !== w ||
      pixels(dy.shape) !== n ||
      dy.dtype !== 'float32'
    ) {
      return ops.avgPoolGrad(args);
    }
    // Views of wasm memory are taken after the allocation, which may grow (and detach) it.
    const out = ops.backend.makeOutput([...x.shape], 'float32');
    const from = ops.backend.typedArrayFromHeap(dy);
    const to = ops.backend.typedArrayFromHeap(out);
    const share = 1 / (h * w);
    for (let b = 0; b < n; b++) {
      for (let p = 0; p < h * w; p++) {
        const base = (b * h * w + p) * c;
        for (let k = 0; k < c; k++) {
          to[base + k] = (from[b * c + k] as number) * share;
        }
      }
    }
    return out;
  });

  override('DepthwiseConv2dNativeBackpropFilter', (args) => {
    const x = input(args.inputs, 'x');
    const filterShape = numbers(args.attrs?.['filterShape']);
    const g = geometry(x.shape, filterShape, args.attrs, true);
    return fromJs(
      ops.backend,
      filterShape,
      depthwiseFilterGradient(g, heap(ops.backend, x), heap(ops.backend, input(args.inputs, 'dy'))),
    );
  });

  override('DepthwiseConv2dNativeBackpropInput', (args) => {
    const filter = input(args.inputs, 'filter');
    const inputShape = numbers(args.attrs?.['inputShape']);
    const g = geometry(inputShape, filter.shape, args.attrs, true);
    return fromJs(
      ops.backend,
      inputShape,
      depthwiseInputGradient(g, heap(ops.backend, filter), heap(ops.backend, input(args.inputs, 'dy'))),
    );
  });
}

/**
 * The gradient of inference-mode batch normalisation, y = (x − mean)·scale/√(var + ε) + offset,
 * with per-channel vectors broadcast over x (tfjs's own gradient tiles them to x's full shape first,
 * which costs more than the rest of the step on wasm).
 */
const batchNormGradient: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const gradient = Array.isArray(dy) ? dy[0] : dy;
    const [x, mean, variance, scale] = saved;
    if (gradient === undefined || x === undefined || mean === undefined || variance === undefined) {
      throw new ModelhubError('INTERNAL', 'batch normalisation gradient without its saved inputs');
    }
    const epsilon = typeof attrs['varianceEpsilon'] === 'number' ? attrs['varianceEpsilon'] : 1e-3;
    const axes = x.shape.map((_, i) => i).slice(0, mean.rank === 1 ? -1 : 0);
    const perChannel = (t: tf.Tensor): tf.Tensor => (mean.rank === 1 ? t.sum(axes) : t).reshape(mean.shape);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const scaleValue = scale ?? tf.scalar(1);
    return {
      x: () => tf.mul(gradient, tf.mul(invStd, scaleValue)),
      mean: () => perChannel(tf.mul(gradient, tf.mul(invStd, scaleValue).neg())),
      variance: () =>
        perChannel(
          tf.mul(tf.mul(gradient, tf.sub(x, mean)), tf.mul(tf.mul(invStd.pow(3), scaleValue), -0.5)),
        ),
      scale: () => perChannel(tf.mul(gradient, tf.mul(tf.sub(x, mean), invStd))),
      offset: () => perChannel(gradient),
    };
  },
};

function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
}

let installed: WasmOps | undefined;

/**
 * Makes tfjs-backend-wasm the current backend, with the gradient kernels Option 2 needs. Idempotent.
 * Load the layers model after this call, so its weights live on wasm.
 */
export async function useTrainingBackend(): Promise<void> {
  if (installed === undefined) {
    setWasmPaths(wasmDir());
  }
  if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) {
    throw new ModelhubError('INTERNAL', 'the tfjs wasm backend failed to initialise', {
      hint: 'Check that @tensorflow/tfjs-backend-wasm is installed with its .wasm files.',
    });
  }
  await tf.ready();
  if (installed === undefined) {
    const backend = tf.backend();
    if (!isWasmBackend(backend)) {
      throw new ModelhubError('INTERNAL', 'the current tfjs backend is not wasm');
    }
    installed = {
      backend,
      matMul: kernel('BatchMatMul', 'wasm').kernelFunc,
      transpose: kernel('Transpose', 'wasm').kernelFunc,
      reshape: kernel('Reshape', 'wasm').kernelFunc,
      conv2dBackpropInput: kernel('Conv2DBackpropInput', 'wasm').kernelFunc,
      avgPoolGrad: kernel('AvgPoolGrad', 'wasm').kernelFunc,
    };
    tf.registerGradient(batchNormGradient);
    installKernels(installed);
  }
}
