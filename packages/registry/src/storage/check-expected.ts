import { ModelhubError } from '@modelhub/core';

import type { BlobExpectation, StoredBlob } from './blob-store.ts';

/** Refuses a written blob whose size or sha256 is not what its writer announced (every store). */
export function checkExpected(actual: StoredBlob, expected: Pick<BlobExpectation, 'sha256' | 'size'>): void {
  if (expected.size !== undefined && actual.size !== expected.size) {
    throw new ModelhubError(
      'INTEGRITY_MISMATCH',
      `The upload has ${actual.size} bytes, but ${expected.size} were announced.`,
      { details: { expected: expected.size, actual: actual.size } },
    );
  }
  if (expected.sha256 !== undefined && actual.sha256 !== expected.sha256) {
    throw new ModelhubError(
      'INTEGRITY_MISMATCH',
      `The upload's sha256 is ${actual.sha256}, but ${expected.sha256} was announced.`,
      { details: { expected: expected.sha256, actual: actual.sha256 } },
    );
  }
}
