import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

import * as z from 'zod';

import { ModelhubError, assertSafeRepoPath, hashFile } from '@modelhub/core';

import { shouldUseLfs } from '../repo/lfs-policy.ts';
import type { Registry } from '../service/registry.ts';
import type { CommitOperation } from '../service/commit-operation.ts';
import { validName } from '../service/names.ts';

const SeedFile = z.object({
  models: z.array(
    z.object({
      repo: z.string().regex(/^[^/]+\/[^/]+$/),
      dir: z.string().min(1),
      aliases: z.array(z.string()).default([]),
      private: z.boolean().optional(),
    }),
  ),
});

/** What seeding did, repo by repo. */
export interface SeedReport {
  readonly repos: readonly { repo: string; commit: string; changed: boolean }[];
  readonly aliases: readonly string[];
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      out.push(relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
    }
  }
  return out.sort();
}

/**
 * Imports a seed folder (`seed.json` = `{"models":[{"repo","dir","aliases"}]}`) as public repos
 * owned by their namespace: one commit with every file of the folder (binary or large files as
 * LFS, README.md as the model card), plus the aliases. Idempotent: a repo whose files already
 * match gets no new commit.
 */
export async function seedRegistry(registry: Registry, seedDir: string): Promise<SeedReport> {
  const seed = SeedFile.parse(JSON.parse(await readFile(join(seedDir, 'seed.json'), 'utf8')));
  if (seed.models.length === 0) {
    throw new ModelhubError('INVALID_INPUT', `${join(seedDir, 'seed.json')} lists no models.`);
  }
  const repos: { repo: string; commit: string; changed: boolean }[] = [];
  const aliases: string[] = [];
  for (const model of seed.models) {
    const [namespace = '', name = '', ...rest] = model.repo.split('/');
    if (rest.length > 0) {
      throw new ModelhubError('INVALID_INPUT', `${model.repo} in seed.json is not namespace/name.`);
    }
    // Before ensureAccount: an invalid namespace ("alice..") must not become an account.
    validName('namespace', namespace);
    validName('repo name', name);
    const dir = join(seedDir, model.dir);
    const paths = (await listFiles(dir)).map((p) => assertSafeRepoPath(p));
    await registry.metadata.ensureAccount(namespace, 'org');
    const repo =
      (await registry.metadata.getRepo('model', namespace, name)) ??
      (await registry.repos.createAs(namespace, 'model', namespace, name, model.private === true));
    const head = await registry.revisions.resolve(repo, 'main');
    const current = new Map((await registry.revisions.files(head)).map((f) => [f.path, f]));
    const operations: CommitOperation[] = [];
    let changed = false;
    for (const path of paths) {
      const file = join(dir, path);
      const { size } = await stat(file);
      const sample = Buffer.alloc(Math.min(size, 512));
      if (size > 0) {
        const stream = createReadStream(file, { start: 0, end: sample.byteLength - 1 });
        let at = 0;
        for await (const chunk of stream) {
          (chunk as Buffer).copy(sample, at);
          at += (chunk as Buffer).byteLength;
        }
      }
      const lfs = shouldUseLfs(path, size, sample, registry.options.lfsThreshold);
      const hashes = await hashFile(file);
      const existing = current.get(path);
      if (existing?.sha256 === hashes.sha256 && existing.lfs === lfs) {
        continue;
      }
      changed = true;
      if (lfs) {
        await registry.uploads.storeObject(repo, createReadStream(file, { highWaterMark: 1 << 20 }), {
          sha256: hashes.sha256,
          size: hashes.size,
        });
        operations.push({ kind: 'lfsFile', path, sha256: hashes.sha256, size: hashes.size });
      } else {
        operations.push({ kind: 'file', path, content: await readFile(file) });
      }
    }
    const wanted = new Set(paths);
    for (const path of current.keys()) {
      if (!wanted.has(path) && path !== '.gitattributes') {
        operations.push({ kind: 'deletedFile', path });
        changed = true;
      }
    }
    let commit = head.sha;
    if (changed) {
      commit = (
        await registry.commits.commitAs(
          namespace,
          repo,
          'main',
          { summary: `Import ${model.dir}`, description: '', parentCommit: head.sha },
          operations,
        )
      ).sha;
    }
    repos.push({ repo: model.repo, commit, changed });
    for (const alias of model.aliases) {
      await registry.aliases.set(alias, model.repo);
      aliases.push(alias);
    }
  }
  return { repos, aliases };
}
