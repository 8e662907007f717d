import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { FastifyInstance } from 'fastify';

/** The page assets: one stylesheet and one small script (the copy buttons), nothing else. */
const assets = {
  'modelhub.css': 'text/css; charset=utf-8',
  'copy.js': 'text/javascript; charset=utf-8',
} as const;

type AssetName = keyof typeof assets;

interface Asset {
  readonly bytes: Buffer;
  readonly hash: string;
}

// `static/` sits next to `src/` and `dist/`, so the same relative path works from both.
const folder = new URL('../../../static/', import.meta.url);
const loaded = new Map<AssetName, Asset>();

function load(name: AssetName): Asset {
  let asset = loaded.get(name);
  if (asset === undefined) {
    const bytes = readFileSync(new URL(name, folder));
    asset = { bytes, hash: createHash('sha256').update(bytes).digest('hex').slice(0, 12) };
    loaded.set(name, asset);
  }
  return asset;
}

/** The URL of an asset, versioned by its content so browsers may keep it forever. */
export function staticUrl(name: AssetName): string {
  return `/-/static/${name}?v=${load(name).hash}`;
}

/** `GET /-/static/{name}`: the assets, cached for a year when asked for by their versioned URL. */
export function registerStaticFiles(app: FastifyInstance): void {
  for (const [name, type] of Object.entries(assets) as [AssetName, string][]) {
    app.get(`/-/static/${name}`, (request, reply) => {
      const asset = load(name);
      const versioned = (request.query as { v?: unknown }).v === asset.hash;
      return reply
        .header('content-type', type)
        .header('x-content-type-options', 'nosniff')
        .header('etag', `"${asset.hash}"`)
        .header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache')
        .send(asset.bytes);
    });
  }
}
