/**
 * The pages' Content-Security-Policy: nothing inline, nothing from another host. Scripts and styles
 * come only from this origin's two asset files, pictures only from this origin (a card's remote
 * pictures are turned into links), forms post only here, no framing, no `<base>`.
 */
export const pageCspDirectives: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};

/** The helmet options of every page (HSTS only when the registry is served over TLS). */
// The return type is left to inference: helmet and @fastify/helmet each declare these option
// types, and an inferred literal fits both.
export function pageHelmetOptions(tls: boolean) {
  return {
    contentSecurityPolicy: {
      useDefaults: false as const,
      directives: Object.fromEntries(Object.entries(pageCspDirectives).map(([k, v]) => [k, [...v]])),
    },
    strictTransportSecurity: tls ? { maxAge: 31536000 } : (false as const),
    xFrameOptions: { action: 'deny' as const },
    referrerPolicy: { policy: 'same-origin' as const },
  };
}
