import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';

import { isModelhubError } from '@modelhub/core';
import type { BlobStore } from '@modelhub/registry';

import type { ItLike } from './feature-extractor-suite.ts';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isModelhubError(error) && error.code === code);
}

function* chunksOf(bytes: Buffer, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, i + size);
  }
}

/**
 * The behaviour every BlobStore (local disk, S3) must show: content-addressed, atomic writes that
 * keep nothing when the bytes do not match, ranges, parts, deletion; and, for stores with direct
 * transfers, presigned URLs that work without credentials and uploads that are re-hashed before
 * they reach a live key. `open` returns a store; `large` sizes the multi-chunk write (default 9 MiB).
 */
export function blobStoreConformance(
  it: ItLike,
  open: () => Promise<BlobStore>,
  options: { large?: number } = {},
): void {
  it('writes by content, reads whole and by range, deletes', async () => {
    const store = await open();
    const bytes = randomBytes(100_000);
    const stored = await store.write(chunksOf(bytes, 7000), {
      sha256: sha256(bytes),
      size: bytes.length,
      maxSize: bytes.length,
    });
    assert.deepEqual(stored, { sha256: sha256(bytes), size: bytes.length });
    assert.equal(await store.stat(stored.sha256), bytes.length);
    assert.ok((await buffer(store.read(stored.sha256))).equals(bytes));
    assert.ok(
      (await buffer(store.read(stored.sha256, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20)),
    );
    await store.write([bytes], { maxSize: bytes.length });
    await store.delete(stored.sha256);
    await store.delete(stored.sha256);
    assert.equal(await store.stat(stored.sha256), undefined);
  });

  it('keeps nothing of a write whose hash, size or length limit is wrong', async () => {
    const store = await open();
    const bytes = randomBytes(1000);
    const other = sha256(randomBytes(8));
    await rejectsWith(store.write([bytes], { sha256: other, maxSize: 2000 }), 'INTEGRITY_MISMATCH');
    await rejectsWith(store.write([bytes], { size: 999, maxSize: 2000 }), 'INTEGRITY_MISMATCH');
    await rejectsWith(store.write([bytes], { maxSize: 999 }), 'PAYLOAD_TOO_LARGE');
    assert.equal(await store.stat(other), undefined);
    assert.equal(await store.stat(sha256(bytes)), undefined);
  });

  it('streams a large write through in pieces', async () => {
    const store = await open();
    const bytes = randomBytes(options.large ?? 9 * 1024 * 1024);
    const stored = await store.write(chunksOf(bytes, 1 << 20), {
      sha256: sha256(bytes),
      maxSize: bytes.length,
    });
    assert.equal(await store.stat(stored.sha256), bytes.length);
    assert.equal(sha256(await buffer(store.read(stored.sha256))), sha256(bytes));
  });

  it('joins parts in order into a blob', async () => {
    const store = await open();
    const bytes = randomBytes(3000);
    const id = randomBytes(8).toString('hex');
    await store.writePart(id, 2, [bytes.subarray(1000, 2000)], 1000);
    await store.writePart(id, 1, [bytes.subarray(0, 1000)], 1000);
    await store.writePart(id, 3, [bytes.subarray(2000)], 1000);
    const parts = [1, 2, 3].map((partNumber) => ({ partNumber, etag: '' }));
    await store.completeParts(id, parts, { sha256: sha256(bytes), size: 3000, maxSize: 3000 });
    assert.ok((await buffer(store.read(sha256(bytes)))).equals(bytes));
  });

  it('direct transfers: presigned GET and staged uploads that are re-hashed before promotion', async (): Promise<void> => {
    const store = await open();
    const direct = store.direct;
    if (direct === undefined) {
      // This store serves every byte itself: nothing to check here.
      return;
    }
    const bytes = randomBytes(5000);
    const oid = sha256(bytes);
    const id = `u${randomBytes(8).toString('hex')}`;
    assert.equal(await direct.beginStagedUpload(id, 1), null);
    const [put] = await direct.presignStagedUpload(id, null, 1, 60);
    assert.ok(put !== undefined && !put.includes(`blobs/${oid}`), 'uploads never target the live key');
    assert.equal((await fetch(put, { method: 'PUT', body: bytes })).status, 200);
    assert.equal(await store.stat(oid), undefined, 'staged bytes are not a blob yet');
    assert.deepEqual(await direct.verifyStagedUpload(id, null, null, { sha256: oid, size: bytes.length }), {
      sha256: oid,
      size: bytes.length,
    });
    await direct.promoteStagedUpload(id, oid, bytes.length);
    assert.equal(await store.stat(oid), bytes.length);

    const url = await direct.presignGet(oid, { ttlSeconds: 60, filename: 'model.onnx' });
    const ranged = await fetch(url, { headers: { range: 'bytes=0-9' } });
    assert.equal(ranged.status, 206);
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(0, 10)));
    const tampered = new URL(url);
    const signature = tampered.searchParams.get('X-Amz-Signature') ?? '';
    tampered.searchParams.set(
      'X-Amz-Signature',
      `${signature.startsWith('0') ? '1' : '0'}${signature.slice(1)}`,
    );
    assert.equal((await fetch(tampered)).status, 403, 'a tampered signature is refused');

    const bad = `u${randomBytes(8).toString('hex')}`;
    const [badPut] = await direct.presignStagedUpload(bad, null, 1, 60);
    await fetch(badPut ?? '', { method: 'PUT', body: randomBytes(5000) });
    await rejectsWith(
      direct.verifyStagedUpload(bad, null, null, { sha256: oid, size: 5000 }),
      'INTEGRITY_MISMATCH',
    );
    await rejectsWith(
      direct.verifyStagedUpload(bad, null, null, { sha256: oid, size: 5000 }),
      'ENTRY_NOT_FOUND',
    );

    const big = randomBytes(3000);
    const multi = `u${randomBytes(8).toString('hex')}`;
    const storeId = await direct.beginStagedUpload(multi, 2);
    assert.ok(storeId !== null);
    const partUrls = await direct.presignStagedUpload(multi, storeId, 2, 60);
    const etags: string[] = [];
    for (const [i, partUrl] of partUrls.entries()) {
      const response = await fetch(partUrl, { method: 'PUT', body: big.subarray(i * 2000, (i + 1) * 2000) });
      assert.equal(response.status, 200);
      etags.push(response.headers.get('etag') ?? '');
    }
    const parts = etags.map((etag, i) => ({ partNumber: i + 1, etag }));
    await direct.verifyStagedUpload(multi, storeId, parts, { sha256: sha256(big), size: 3000 });
    await direct.promoteStagedUpload(multi, sha256(big), 3000);
    assert.ok((await buffer(store.read(sha256(big)))).equals(big));
  });
}
