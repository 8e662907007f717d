import { sha256 } from '@modelhub/core';

import type { DatasetItem } from './dataset.ts';

/**
 * The dataset manifest hash: sha256 over the sorted `relPath\tsha256\tlabel\n` lines. It names the
 * exact files and labels a head was trained on without revealing any image.
 */
export function datasetManifestHash(
  items: readonly Pick<DatasetItem, 'relPath' | 'sha256' | 'label'>[],
): string {
  const lines = items.map((i) => `${i.relPath}\t${i.sha256}\t${i.label}\n`);
  lines.sort();
  return sha256(lines.join(''));
}
