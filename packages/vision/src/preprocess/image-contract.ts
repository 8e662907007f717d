import type { PreprocessSpec } from '@modelhub/core';

/** The input contract of an image model in one line, for `hub inspect`. */
export function imageContract(spec: PreprocessSpec | null): string {
  if (spec === null) {
    return 'image files (PNG, JPEG, WebP, …); preprocessing unresolved';
  }
  const size =
    spec.pad === null ? `${spec.resize.height}×${spec.resize.width}` : `${spec.pad.height}×${spec.pad.width}`;
  return `image files (PNG, JPEG, WebP, …) or their bytes → ${spec.decode.color} ${size} float32 ${spec.layout}`;
}
