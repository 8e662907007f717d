import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, it } from 'vitest';

import { FsBlobStore, S3BlobStore } from '@modelhub/registry';

import { blobStoreConformance } from '../src/conformance/blob-store-suite.ts';
import { startS3, type TestS3 } from '../src/services/s3-server.ts';

describe('BlobStore conformance: local disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-blob-conf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  blobStoreConformance(it, () => Promise.resolve(new FsBlobStore(dir)));
});

describe('BlobStore conformance: S3 (s3rver, SigV4 checked)', () => {
  let s3: TestS3;
  const stores: S3BlobStore[] = [];
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    for (const store of stores) {
      store.close();
    }
    await s3.stop();
  });
  blobStoreConformance(it, () => {
    const store = new S3BlobStore({
      bucket: s3.bucket,
      prefix: 'conformance',
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    stores.push(store);
    return Promise.resolve(store);
  });
});
