import * as tf from '@tensorflow/tfjs';

/** A 1×1 convolution with seeded Glorot weights, so a tiny test backbone is the same on every run. */
export function seededConv1x1(filters: number, name: string, seed: number): tf.layers.Layer {
  return tf.layers.conv2d({
    filters,
    kernelSize: 1,
    name,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  });
}
