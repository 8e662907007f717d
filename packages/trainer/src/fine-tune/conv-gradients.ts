// Gradients of 2-D convolutions over NHWC float32 arrays, for the kernels tfjs-backend-wasm lacks.
// tfjs-backend-cpu has them too, but walks the filter in its outer loops (about 60× slower than
// this on MobileNetV2's 7×7×960 depthwise layer); here the channel loop is innermost and contiguous.

/** Where each filter tap reads: the geometry tfjs's `computeConv2DInfo` resolves from the attrs. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  /** Output channels of a regular convolution; for a depthwise one, inChannels × multiplier. */
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/**
 * Calls `visit(xOffset, dyOffset, tap)` for every (output pixel, filter tap) pair that reads an
 * input pixel inside the image; offsets point at channel 0, `tap` is `fy·filterWidth + fx`.
 */
function eachTap(g: ConvGeometry, visit: (xOffset: number, dyOffset: number, tap: number) => void): void {
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        const dyOffset = ((b * g.outHeight + oy) * g.outWidth + ox) * g.outChannels;
        for (let fy = 0; fy < g.filterHeight; fy++) {
          const iy = oy * g.strideHeight - g.padTop + fy * g.dilationHeight;
          if (iy < 0 || iy >= g.inHeight) {
            continue;
          }
          for (let fx = 0; fx < g.filterWidth; fx++) {
            const ix = ox * g.strideWidth - g.padLeft + fx * g.dilationWidth;
            if (ix < 0 || ix >= g.inWidth) {
              continue;
            }
            visit(((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels, dyOffset, fy * g.filterWidth + fx);
          }
        }
      }
    }
  }
}

/** dL/dW of a regular convolution, filter layout [fh, fw, inChannels, outChannels]. */
export function conv2dFilterGradient(g: ConvGeometry, x: Float32Array, dy: Float32Array): Float32Array {
  const cin = g.inChannels;
  const cout = g.outChannels;
  const dw = new Float32Array(g.filterHeight * g.filterWidth * cin * cout);
  eachTap(g, (xo, dyo, tap) => {
    const fo = tap * cin * cout;
    for (let ci = 0; ci < cin; ci++) {
      const xv = x[xo + ci] as number;
      if (xv === 0) {
        continue;
      }
      const row = fo + ci * cout;
      for (let co = 0; co < cout; co++) {
        dw[row + co] = (dw[row + co] as number) + xv * (dy[dyo + co] as number);
      }
    }
  });
  return dw;
}

/** dL/dW of a depthwise convolution, filter layout [fh, fw, inChannels, multiplier]. */
export function depthwiseFilterGradient(g: ConvGeometry, x: Float32Array, dy: Float32Array): Float32Array {
  const cin = g.inChannels;
  const mult = g.outChannels / cin;
  const dw = new Float32Array(g.filterHeight * g.filterWidth * g.outChannels);
  eachTap(g, (xo, dyo, tap) => {
    const fo = tap * g.outChannels;
    if (mult === 1) {
      for (let c = 0; c < cin; c++) {
        dw[fo + c] = (dw[fo + c] as number) + (x[xo + c] as number) * (dy[dyo + c] as number);
      }
      return;
    }
    for (let c = 0; c < cin; c++) {
      const xv = x[xo + c] as number;
      for (let m = 0; m < mult; m++) {
        const k = c * mult + m;
        dw[fo + k] = (dw[fo + k] as number) + xv * (dy[dyo + k] as number);
      }
    }
  });
  return dw;
}

/** dL/dx of a depthwise convolution (same filter layout). */
export function depthwiseInputGradient(
  g: ConvGeometry,
  filter: Float32Array,
  dy: Float32Array,
): Float32Array {
  const cin = g.inChannels;
  const mult = g.outChannels / cin;
  const dx = new Float32Array(g.batch * g.inHeight * g.inWidth * cin);
  eachTap(g, (xo, dyo, tap) => {
    const fo = tap * g.outChannels;
    if (mult === 1) {
      for (let c = 0; c < cin; c++) {
        dx[xo + c] = (dx[xo + c] as number) + (filter[fo + c] as number) * (dy[dyo + c] as number);
      }
      return;
    }
    for (let c = 0; c < cin; c++) {
      let sum = 0;
      for (let m = 0; m < mult; m++) {
        const k = c * mult + m;
        sum += (filter[fo + k] as number) * (dy[dyo + k] as number);
      }
      dx[xo + c] = (dx[xo + c] as number) + sum;
    }
  });
  return dx;
}
