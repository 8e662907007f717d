// The search page with thousands of repos vs the JSON API answering the same search.
//
//   node scripts/bench/web-search.ts [--repos 2000] [--requests 200]
//
// Baseline: `GET /api/models?search=…&limit=30` (the Hub API listing that hub search and the
// official clients use: one page of repos as JSON). Candidate: `GET /models?search=…` (the HTML
// page: the same page of repos plus a count, facets, pagination and the layout, escaped). Both
// on one real registry on 127.0.0.1 seeded with `--repos` repos; requests over one kept-alive
// connection, alternating page / API, each timed from send to last byte. Prints medians, p95 and
// page / API.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runFromSources } from './bench-kit.ts';

runFromSources(import.meta.filename);

const { SqliteMetadataStore, startRegistry, discoveryOf, parseCardData } = await import('@modelhub/registry');

const { values } = parseArgs({
  options: {
    repos: { type: 'string', default: '2000' },
    requests: { type: 'string', default: '200' },
  },
});
const repoCount = Number(values.repos);
const requests = Number(values.requests);

const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-web-search-'));
try {
  const data = join(work, 'data');
  // Seed the metadata directly (the search reads only the repos table), then serve it.
  const store = new SqliteMetadataStore(join(data, 'metadata.sqlite'));
  await store.ensureAccount('bulk', 'org');
  for (let i = 0; i < repoCount; i++) {
    const card = `---\nlibrary_name: ${i % 2 === 0 ? 'onnx' : 'tfjs'}\npipeline_tag: image-classification\n${i % 5 === 0 ? 'tags:\n  - modelhub-head\n' : ''}---\n`;
    const sha = createHash('sha1').update(`commit ${i}`).digest('hex');
    const commit = (repoId: number) => ({
      sha,
      repoId,
      parent: null,
      title: 'card',
      description: '',
      author: 'bulk',
      createdAt: new Date().toISOString(),
      treeSha: sha,
      cardData: parseCardData(card),
    });
    const repo = await store.createRepo(
      { type: 'model', namespace: 'bulk', name: `model-${i}`, private: false },
      (repoId) => ({ commit: commit(repoId), files: [] }),
    );
    await store.writeCommit(repo.id, {
      commit: { ...commit(repo.id), sha: createHash('sha1').update(`card ${i}`).digest('hex'), parent: sha },
      files: [],
      branch: 'main',
      expectedHead: sha,
      discovery: discoveryOf(parseCardData(card)),
    });
    await store.countDownload(repo.id, i % 997);
  }
  await store.close();

  const running = await startRegistry({ dataDir: data, port: 0 });
  try {
    const targets = {
      page: `${running.url}/models?search=model-1&sort=downloads&library=tfjs`,
      api: `${running.url}/api/models?search=model-1&sort=downloads&filter=tfjs&limit=30`,
    } as const;
    const times: Record<keyof typeof targets, number[]> = { page: [], api: [] };
    const once = async (which: keyof typeof targets): Promise<number> => {
      const started = performance.now();
      const res = await fetch(targets[which], {
        headers: { accept: which === 'page' ? 'text/html' : 'application/json' },
      });
      await res.arrayBuffer();
      if (!res.ok) {
        throw new Error(`${targets[which]} answered ${res.status}`);
      }
      return performance.now() - started;
    };
    // Warm up both (prepared statements, JIT).
    for (let i = 0; i < 20; i++) {
      await once('page');
      await once('api');
    }
    for (let i = 0; i < requests; i++) {
      times.page.push(await once('page'));
      times.api.push(await once('api'));
    }
    const stat = (list: number[]): { median: number; p95: number } => {
      const sorted = [...list].sort((a, b) => a - b);
      return {
        median: sorted[Math.floor(sorted.length / 2)] ?? 0,
        p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
      };
    };
    const page = stat(times.page);
    const api = stat(times.api);
    console.log(`search over ${repoCount} repos, ${requests} requests each, alternating, one process`);
    console.log(`  page /models       median ${page.median.toFixed(2)} ms  p95 ${page.p95.toFixed(2)} ms`);
    console.log(`  API  /api/models   median ${api.median.toFixed(2)} ms  p95 ${api.p95.toFixed(2)} ms`);
    console.log(`  page / API (median) ${(page.median / api.median).toFixed(2)}×`);
  } finally {
    await running.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
