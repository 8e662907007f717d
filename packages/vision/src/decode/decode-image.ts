import { ModelhubError, isModelhubError } from '@modelhub/core';
import type { ImageInput, PreprocessSpec } from '@modelhub/core';

import { describeInput } from './describe-input.ts';
import { loadSharp } from './load-sharp.ts';
import { resamplePoint } from './resample.ts';
import type { PixelImage } from './resample.ts';
import { paddedSize, resizeTarget, specChannels } from './resize-target.ts';

/** One preprocessed image: `data` laid out as `dims` (spec.layout without the batch axis). */
export interface DecodedImage {
  readonly data: Float32Array;
  readonly dims: number[];
  /**
   * The part of the image that holds pixels of the input rather than padding: rows `0…height-1`
   * and columns `0…width-1` (padding is added on the right and bottom only).
   */
  readonly valid: { readonly height: number; readonly width: number };
}

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /**
   * Refuse images with more pixels than this (a decompression-bomb guard).
   * @default 100_000_000
   */
  readonly maxPixels?: number;
}

const sharpKernel = {
  nearest: 'nearest',
  bilinear: 'linear',
  bicubic: 'cubic',
  lanczos: 'lanczos3',
} as const;

/**
 * Decodes an image file or buffer and applies a resolved preprocessing spec: EXIF orientation,
 * alpha flattening, gray→RGB (or RGB→gray), resize, center crop, `x·scale+offset`, per-channel
 * normalisation, channel order, right/bottom padding and layout.
 *
 * @throws ModelhubError `INVALID_INPUT` naming the input when it is missing, not an image, corrupt,
 * too large, or larger than the spec's fixed pad size.
 */
export async function decodeImage(
  input: ImageInput,
  spec: PreprocessSpec,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const name = describeInput(input);
  try {
    return await decodeUnchecked(input, spec, options.maxPixels ?? 100_000_000);
  } catch (error) {
    if (isModelhubError(error)) {
      throw error;
    }
    throw invalidInput(name, reasonOf(error), error);
  }
}

const noSuchFile = 'no such file';
const isDirectory = 'it is a directory';

/** What to do about each reason: a missing file is a wrong path, not a damaged image. */
function hintFor(reason: string): string {
  if (reason === noSuchFile) {
    return 'Check the path (a relative path starts at the current folder).';
  }
  if (reason === isDirectory) {
    return 'Name the image files, or pass the folder where the command takes folders of images.';
  }
  return 'Check that the file is a complete PNG, JPEG, WebP, GIF, TIFF or AVIF image.';
}

function invalidInput(name: string, reason: string, cause?: unknown): ModelhubError {
  return new ModelhubError('INVALID_INPUT', `Cannot read image ${name}: ${reason}`, {
    hint: hintFor(reason),
    details: { input: name },
    ...(cause === undefined ? {} : { cause }),
  });
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT' || /input file is missing/i.test(message)) {
    return noSuchFile;
  }
  if (code === 'EISDIR') {
    return isDirectory;
  }
  if (/unsupported image format/i.test(message)) {
    return 'not an image (unsupported or unrecognised format)';
  }
  if (/pixel limit/i.test(message)) {
    return `too large (${message})`;
  }
  return `corrupt or truncated image (${message.split('\n')[0] ?? message})`;
}

async function decodeUnchecked(
  input: ImageInput,
  spec: PreprocessSpec,
  maxPixels: number,
): Promise<DecodedImage> {
  const name = describeInput(input);
  const source =
    typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const channels = specChannels(spec);
  const sharp = await loadSharp();
  let pipeline = sharp(source, { limitInputPixels: maxPixels, failOn: 'warning' });
  if (spec.decode.exifOrient) {
    pipeline = pipeline.autoOrient();
  }
  // Always decode to 8-bit sRGB (gray files get three equal channels); a gray spec is reduced
  // afterwards with Rec. 601 luma, as Pillow's convert('L') and OpenCV do.
  pipeline = pipeline.flatten({ background: spec.decode.alpha === 'white' ? '#ffffff' : '#000000' });
  const decoded = await pipeline
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (decoded.info.channels !== 3) {
    throw invalidInput(name, `decoded to ${decoded.info.channels} channels, expected 3`);
  }
  const { height, width } = decoded.info;
  const target = resizeTarget(spec.resize, height, width);
  let pixels: PixelImage;
  const sameSize = target.height === height && target.width === width;
  // sharp's resize always antialiases; bicubic/lanczos without antialiasing are not offered, so
  // they use it too. Point-sampled (TF/cv2-style) bilinear and nearest are done here.
  const pointSampled =
    !spec.resize.antialias && (spec.resize.resample === 'bilinear' || spec.resize.resample === 'nearest');
  if (sameSize || !pointSampled) {
    let raw: Buffer = decoded.data;
    if (!sameSize) {
      raw = await sharp(decoded.data, { raw: { width, height, channels: 3 } })
        .resize(target.width, target.height, { fit: 'fill', kernel: sharpKernel[spec.resize.resample] })
        .raw()
        .toBuffer();
    }
    pixels = { data: Float32Array.from(raw), height: target.height, width: target.width, channels: 3 };
  } else {
    pixels = resamplePoint(
      { data: Float32Array.from(decoded.data), height, width, channels: 3 },
      target.height,
      target.width,
      spec.resize.resample === 'nearest' ? 'nearest' : 'bilinear',
      spec.resize.alignCorners ?? false,
    );
  }
  if (spec.crop.mode === 'center') {
    pixels = centerCrop(pixels, spec.crop.height, spec.crop.width);
  }
  if (channels === 1) {
    pixels = toGray(pixels);
  }
  normalizeInPlace(pixels.data, channels, spec);
  if (spec.decode.color === 'bgr') {
    swapRedBlueInPlace(pixels.data);
  }
  const valid = { height: pixels.height, width: pixels.width };
  if (spec.pad !== null) {
    if (pixels.height > spec.pad.height || pixels.width > spec.pad.width) {
      throw invalidInput(
        name,
        `the image is ${pixels.width}×${pixels.height} after resizing, larger than the ${spec.pad.width}×${spec.pad.height} the model takes`,
      );
    }
    const size = paddedSize(spec.pad, pixels.height, pixels.width);
    pixels = padBottomRight(pixels, size.height, size.width, spec.pad.value);
  }
  return { ...toLayout(pixels, spec.layout), valid };
}

/** Crops the centre; an image smaller than the crop is padded with black (0) first, like torchvision. */
function centerCrop(src: PixelImage, height: number, width: number): PixelImage {
  const c = src.channels;
  const out = new Float32Array(height * width * c);
  const top = Math.floor((src.height - height) / 2);
  const left = Math.floor((src.width - width) / 2);
  for (let y = 0; y < height; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= src.height) {
      continue;
    }
    for (let x = 0; x < width; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= src.width) {
        continue;
      }
      const s = (sy * src.width + sx) * c;
      out.set(src.data.subarray(s, s + c), (y * width + x) * c);
    }
  }
  return { data: out, height, width, channels: c };
}

function toGray(src: PixelImage): PixelImage {
  const out = new Float32Array(src.height * src.width);
  for (let p = 0; p < out.length; p++) {
    out[p] =
      0.299 * (src.data[p * 3] ?? 0) +
      0.587 * (src.data[p * 3 + 1] ?? 0) +
      0.114 * (src.data[p * 3 + 2] ?? 0);
  }
  return { data: out, height: src.height, width: src.width, channels: 1 };
}

function normalizeInPlace(data: Float32Array, channels: number, spec: PreprocessSpec): void {
  const { scale, offset } = spec.rescale;
  const mean = spec.normalize?.mean ?? [];
  const std = spec.normalize?.std ?? [];
  const m = Array.from({ length: channels }, (_, k) =>
    spec.normalize === null ? 0 : (mean[k] ?? mean[0] ?? 0),
  );
  const inv = Array.from({ length: channels }, (_, k) =>
    spec.normalize === null ? 1 : 1 / (std[k] ?? std[0] ?? 1),
  );
  for (let i = 0; i < data.length; i += channels) {
    for (let k = 0; k < channels; k++) {
      const v = (data[i + k] ?? 0) * scale + offset;
      data[i + k] = (v - (m[k] ?? 0)) * (inv[k] ?? 1);
    }
  }
}

function swapRedBlueInPlace(data: Float32Array): void {
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i] ?? 0;
    data[i] = data[i + 2] ?? 0;
    data[i + 2] = r;
  }
}

function padBottomRight(src: PixelImage, height: number, width: number, value: number): PixelImage {
  if (src.height === height && src.width === width) {
    return src;
  }
  const c = src.channels;
  const out = new Float32Array(height * width * c).fill(value);
  for (let y = 0; y < src.height; y++) {
    out.set(src.data.subarray(y * src.width * c, (y + 1) * src.width * c), y * width * c);
  }
  return { data: out, height, width, channels: c };
}

function toLayout(src: PixelImage, layout: PreprocessSpec['layout']): Omit<DecodedImage, 'valid'> {
  const { height: h, width: w, channels: c } = src;
  if (layout === 'NHWC' || c === 1) {
    return { data: src.data, dims: layout === 'NHWC' ? [h, w, c] : [c, h, w] };
  }
  const out = new Float32Array(src.data.length);
  const plane = h * w;
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < c; k++) {
      out[k * plane + p] = src.data[p * c + k] ?? 0;
    }
  }
  return { data: out, dims: [c, h, w] };
}
