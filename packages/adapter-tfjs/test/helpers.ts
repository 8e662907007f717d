import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';

/** Puts this thread's tf on the wasm backend (what the adapter's workers use). */
export async function useWasmBackend(): Promise<void> {
  setWasmPaths(join(import.meta.dirname, '../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  await tf.setBackend('wasm');
  await tf.ready();
}

/** A deterministic colourful test picture: smooth gradients plus seeded noise. */
export async function syntheticPng(width: number, height: number, seed: number): Promise<Buffer> {
  let state = seed >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const data = Buffer.alloc(width * height * 3);
  const phase = random() * 6;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = random() * 40;
      data[i] = Math.min(255, 110 + 100 * Math.sin(x / 17 + phase) + n);
      data[i + 1] = Math.min(255, (255 * y) / height - n / 2 + 20);
      data[i + 2] = Math.min(255, 128 + 90 * Math.cos((x + y) / 23 + phase));
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The first `n` PNG paths of a digits class folder. */
export async function digitPaths(root: string, label: string, n: number): Promise<string[]> {
  const names = (await readdir(join(root, label))).filter((f) => f.endsWith('.png')).sort();
  return names.slice(0, n).map((f) => join(root, label, f));
}

/** The image as nsfwjs expects it: an int32 HWC tensor of 0–255 RGB values. */
export async function pixelTensor(input: string | Buffer): Promise<tf.Tensor3D> {
  const { data, info } = await sharp(input)
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return tf.tensor3d(Int32Array.from(data), [info.height, info.width, 3], 'int32');
}
