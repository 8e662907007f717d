// Resolve throughput of the registry vs a bare node:http file server, on the same 1 GiB file.
//
//   node scripts/bench/registry-resolve.ts [--size-mib 1024] [--rounds 5]
//
// Baseline: `node:http` answering every request with `fs.createReadStream(file).pipe(res)` — the
// least a Node server can do to serve a file. Candidate: `GET /{repo}/resolve/main/big.bin` on the
// real registry (auth check, revision lookup, Range/ETag headers, stream from the blob store).
// Both listen on 127.0.0.1 in this process; the client is `curl -o /dev/null` for both, and the
// two servers alternate round by round. Prints MB/s medians and registry / baseline.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { curlDownload, median, runFromSources } from './bench-kit.ts';

runFromSources(import.meta.filename);

const { startRegistry } = await import('@modelhub/registry');
const { hashFile } = await import('@modelhub/core');

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '5' },
  },
});
const sizeMiB = Number(values['size-mib']);
const rounds = Number(values.rounds);

const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-resolve-'));
try {
  const file = join(work, 'big.bin');
  const block = randomBytes(1 << 20);
  const handle = await open(file, 'w');
  for (let i = 0; i < sizeMiB; i++) {
    await handle.write(block);
  }
  await handle.close();
  const { size } = await stat(file);
  const hashes = await hashFile(file);

  async function fileServer(
    highWaterMark: number | undefined,
  ): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(size), 'content-type': 'application/octet-stream' });
      createReadStream(file, highWaterMark === undefined ? {} : { highWaterMark }).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.bin`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  // The named baseline uses createReadStream's defaults (64 KiB reads); the second one reads
  // 1 MiB at a time like the registry's blob store, to show what the read size alone is worth.
  const baseline = await fileServer(undefined);
  const baseline1m = await fileServer(1 << 20);
  const baselineUrl = baseline.url;

  const registry = await startRegistry({ dataDir: join(work, 'data'), host: '127.0.0.1', port: 0 });
  const repo = await registry.registry.repos.createAs('bench', 'model', 'bench', 'big', false);
  await registry.registry.uploads.storeObject(repo, createReadStream(file, { highWaterMark: 1 << 20 }), {
    sha256: hashes.sha256,
    size,
  });
  await registry.registry.commits.commitAs('bench', repo, 'main', { summary: 'big file', description: '' }, [
    { kind: 'lfsFile', path: 'big.bin', sha256: hashes.sha256, size },
  ]);
  const registryUrl = `${registry.url}/bench/big/resolve/main/big.bin`;

  async function download(url: string): Promise<number> {
    const { bytes, seconds } = await curlDownload(url);
    if (bytes !== size) {
      throw new Error(`${url} sent ${bytes} bytes, expected ${size}`);
    }
    return size / seconds / 1e6;
  }

  // One warm-up each (page cache, JIT), then alternate.
  await download(baselineUrl);
  await download(baseline1m.url);
  await download(registryUrl);
  const results = { baseline: [] as number[], baseline1m: [] as number[], registry: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    results.baseline.push(await download(baselineUrl));
    results.baseline1m.push(await download(baseline1m.url));
    results.registry.push(await download(registryUrl));
  }
  const b = median(results.baseline);
  const b1 = median(results.baseline1m);
  const r = median(results.registry);
  console.log(`file: ${sizeMiB} MiB, ${rounds} rounds each (curl -o /dev/null, 127.0.0.1), medians:`);
  console.log(
    `  baseline node:http + fs.createReadStream: ${b.toFixed(0)} MB/s  [${results.baseline.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(
    `  registry /resolve/ (LFS blob):           ${r.toFixed(0)} MB/s  [${results.registry.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(
    `  baseline, 1 MiB reads:                    ${b1.toFixed(0)} MB/s  [${results.baseline1m.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  console.log(`  ratio registry / baseline: ${(r / b).toFixed(2)} (target >= 0.90)`);
  console.log(`  ratio registry / baseline with 1 MiB reads: ${(r / b1).toFixed(2)}`);

  await registry.close();
  await baseline.close();
  await baseline1m.close();
} finally {
  await rm(work, { recursive: true, force: true });
}
