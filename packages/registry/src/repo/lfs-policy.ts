/** Extensions stored through LFS whatever their size (the Hub's default `.gitattributes`). */
const lfsExtensions = [
  '7z',
  'arrow',
  'bin',
  'bz2',
  'ckpt',
  'ftz',
  'gz',
  'h5',
  'joblib',
  'mlmodel',
  'model',
  'msgpack',
  'npy',
  'npz',
  'onnx',
  'ot',
  'parquet',
  'pb',
  'pickle',
  'pkl',
  'pt',
  'pth',
  'rar',
  'safetensors',
  'tar',
  'tflite',
  'tgz',
  'wasm',
  'xz',
  'zip',
  'zst',
  'gguf',
  'png',
  'jpg',
  'jpeg',
  'webp',
] as const;

const lfsExtensionSet: ReadonlySet<string> = new Set(lfsExtensions);

/** The `.gitattributes` a new repo starts with: LFS tracking rules for the extensions above. */
export const defaultGitAttributes =
  lfsExtensions.map((ext) => `*.${ext} filter=lfs diff=lfs merge=lfs -text`).join('\n') + '\n';

/**
 * Whether a file goes through LFS: by extension, by a NUL byte in its first bytes (binary), or
 * by size. Regular files travel base64-encoded inside the commit body, so they stay small.
 */
export function shouldUseLfs(path: string, size: number, sample: Uint8Array, threshold: number): boolean {
  if (size === 0) {
    return false;
  }
  const dot = path.lastIndexOf('.');
  const ext = dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
  return size >= threshold || lfsExtensionSet.has(ext) || sample.includes(0);
}
