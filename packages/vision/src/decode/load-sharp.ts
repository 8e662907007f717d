import type Sharp from 'sharp';

import { ModelhubError } from '@modelhub/core';

let loading: Promise<typeof Sharp> | undefined;

/**
 * sharp (libvips), imported by the first decode rather than with this package: loading it and
 * the modules it checks its libvips version with takes 25–45 ms of a fresh process's main thread,
 * which {@link preloadImageDecoder} can move to a moment when that thread only waits. A sharp that
 * cannot load is `BACKEND_UNAVAILABLE`, not a bad image.
 */
export function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then(
    (m) => m.default,
    (cause: unknown) => {
      const reason = cause instanceof Error ? (cause.message.split('\n')[0] ?? cause.message) : String(cause);
      throw new ModelhubError(
        'BACKEND_UNAVAILABLE',
        `The image decoder (sharp) cannot be loaded: ${reason}`,
        {
          hint: 'Reinstall sharp (`npm install sharp`); models on texts and sounds keep working.',
          cause,
        },
      );
    },
  );
  return loading;
}

/**
 * Starts loading the image decoder now, for a caller about to wait (an inference session being
 * created on its worker); a failure is reported by the first decode.
 */
export function preloadImageDecoder(): void {
  loadSharp().catch(() => undefined);
}
