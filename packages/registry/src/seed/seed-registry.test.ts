import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { openRegistry } from '../open-registry.ts';
import type { Registry } from '../service/registry.ts';
import { seedRegistry } from './seed-registry.ts';

describe('seedRegistry', () => {
  let dir: string;
  let registry: Registry;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-seed-'));
    const seed = join(dir, 'seed');
    await mkdir(join(seed, 'tiny', 'shards'), { recursive: true });
    await writeFile(
      join(seed, 'seed.json'),
      JSON.stringify({ models: [{ repo: 'modelhub/tiny', dir: 'tiny', aliases: ['tiny', 't'] }] }),
    );
    await writeFile(
      join(seed, 'tiny', 'README.md'),
      '---\nlibrary_name: tfjs\ntags: [vision]\n---\n# tiny\n',
    );
    await writeFile(join(seed, 'tiny', 'model.json'), '{"format":"layers-model"}');
    await writeFile(join(seed, 'tiny', 'shards', 'group1-shard1of1.bin'), Buffer.from([0, 1, 2, 3, 4]));
    registry = await openRegistry(join(dir, 'data'));
  });

  afterEach(async () => {
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports each folder as one public commit, binaries as LFS, plus aliases and card fields', async () => {
    const report = await seedRegistry(registry, join(dir, 'seed'));
    expect(report.repos).toEqual([
      { repo: 'modelhub/tiny', commit: expect.stringMatching(/^[0-9a-f]{40}$/) as string, changed: true },
    ]);
    const repo = await registry.access.readableRepo({ kind: 'anonymous' }, 'model', 'modelhub', 'tiny');
    expect(repo.private).toBe(false);
    expect(repo.discovery).toEqual({ libraryName: 'tfjs', pipelineTag: null, tags: ['vision', 'tfjs'] });
    const files = await registry.revisions.files(await registry.revisions.resolve(repo, 'main'));
    expect(files.map((f) => [f.path, f.lfs])).toEqual([
      ['.gitattributes', false],
      ['README.md', false],
      ['model.json', false],
      ['shards/group1-shard1of1.bin', true],
    ]);
    expect((await registry.aliases.get({ kind: 'anonymous' }, 't')).repo).toBe('modelhub/tiny');
  });

  it.each(['alice../tiny', 'alice./tiny', '.alice/tiny', 'al--ice/tiny', 'alice/tiny..'])(
    'refuses the repo name %s (huggingface.co rules) before creating anything',
    async (repo) => {
      await writeFile(join(dir, 'seed', 'seed.json'), JSON.stringify({ models: [{ repo, dir: 'tiny' }] }));
      await expect(seedRegistry(registry, join(dir, 'seed'))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      const [namespace = '', name = ''] = repo.split('/');
      expect(await registry.metadata.getAccount(namespace)).toBeUndefined();
      await expect(registry.repos.createAs('alice', 'model', namespace, name, false)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(registry.aliases.set('tiny', repo)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    },
  );

  it('makes no new commit when nothing changed, and one when a file did', async () => {
    const first = await seedRegistry(registry, join(dir, 'seed'));
    const again = await seedRegistry(registry, join(dir, 'seed'));
    expect(again.repos[0]).toEqual({ ...first.repos[0], changed: false });
    await writeFile(join(dir, 'seed', 'tiny', 'model.json'), '{"format":"graph-model"}');
    const changed = await seedRegistry(registry, join(dir, 'seed'));
    expect(changed.repos[0]?.changed).toBe(true);
    expect(changed.repos[0]?.commit).not.toBe(first.repos[0]?.commit);
  });
});
