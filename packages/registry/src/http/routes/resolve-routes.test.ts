import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openRegistry } from '../../open-registry.ts';
import type { Registry } from '../../service/registry.ts';
import { createRegistryApp } from '../registry-app.ts';
import { parseRange } from './resolve-routes.ts';

describe('parseRange', () => {
  it.each([
    [undefined, 10, undefined],
    ['bytes=0-0', 10, { start: 0, end: 0 }],
    ['bytes=2-', 10, { start: 2, end: 9 }],
    ['bytes=-3', 10, { start: 7, end: 9 }],
    ['bytes=-30', 10, { start: 0, end: 9 }],
    ['bytes=5-100', 10, { start: 5, end: 9 }],
    ['bytes=10-', 10, null],
    ['bytes=5-2', 10, null],
    ['bytes=-0', 10, null],
    ['bytes=0-1,4-5', 10, undefined],
    ['items=0-1', 10, undefined],
  ])('%s of %i bytes → %j', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('resolve routing (inject)', () => {
  let dir: string;
  let registry: Registry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-route-'));
    registry = await openRegistry(dir);
    const repo = await registry.repos.createAs('ns', 'model', 'ns', 'm.v1', false);
    await registry.repos.createAs('ns', 'dataset', 'ns', 'data', false);
    await registry.commits.commitAs('ns', repo, 'main', { summary: 'x', description: '' }, [
      { kind: 'file', path: 'dir/file name.txt', content: Buffer.from('hello') },
    ]);
  });

  afterAll(async () => {
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('routes dotted repo names, encoded paths and dataset prefixes', async () => {
    const app = createRegistryApp(registry);
    const file = await app.inject({ method: 'GET', url: '/ns/m.v1/resolve/main/dir/file%20name.txt' });
    expect([file.statusCode, file.body]).toEqual([200, 'hello']);
    const head = await app.inject({ method: 'HEAD', url: '/ns/m.v1/resolve/main/dir/file%20name.txt' });
    expect(head.headers['content-length']).toBe('5');
    const dataset = await app.inject({ method: 'GET', url: '/datasets/ns/data/resolve/main/.gitattributes' });
    expect(dataset.statusCode).toBe(200);
    const wrongType = await app.inject({
      method: 'GET',
      url: '/datasets/ns/m.v1/resolve/main/.gitattributes',
    });
    expect(wrongType.headers['x-error-code']).toBe('RepoNotFound');
    const noPath = await app.inject({ method: 'GET', url: '/ns/m.v1/resolve/main/' });
    expect(noPath.headers['x-error-code']).toBe('EntryNotFound');
    const badEscape = await app.inject({ method: 'GET', url: '/ns/m.v1/resolve/main/%E0%A4%A' });
    expect(badEscape.statusCode).toBe(400);
    await app.close();
  });
});
