import { createHash } from 'node:crypto';

import { gitBlobSha1, lfsPointer } from '@modelhub/core';

/** The git oid of a file as the Hub reports it: the blob sha1, or the sha1 of its LFS pointer. */
export function gitOidOf(file: { lfs: boolean; sha256: string; size: number; content?: Uint8Array }): string {
  if (file.lfs || file.content === undefined) {
    return gitBlobSha1(Buffer.from(lfsPointer(file.sha256, file.size)));
  }
  return gitBlobSha1(file.content);
}

function gitObject(kind: string, body: Buffer): string {
  return createHash('sha1').update(`${kind} ${body.byteLength}\0`).update(body).digest('hex');
}

interface Dir {
  readonly files: Map<string, string>;
  readonly dirs: Map<string, Dir>;
}

function dirOf(root: Dir, path: string): Dir {
  let dir = root;
  for (const part of path.split('/')) {
    let next = dir.dirs.get(part);
    if (next === undefined) {
      next = { files: new Map(), dirs: new Map() };
      dir.dirs.set(part, next);
    }
    dir = next;
  }
  return dir;
}

function treeSha(dir: Dir, out: Map<string, string>, prefix: string): string {
  // git sorts tree entries by name, comparing a directory as if its name ended with "/".
  const entries: { sortKey: string; mode: string; name: string; oid: string }[] = [];
  for (const [name, oid] of dir.files) {
    entries.push({ sortKey: name, mode: '100644', name, oid });
  }
  for (const [name, sub] of dir.dirs) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    entries.push({ sortKey: `${name}/`, mode: '40000', name, oid: treeSha(sub, out, path) });
  }
  entries.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  const body = Buffer.concat(
    entries.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')]),
  );
  const sha = gitObject('tree', body);
  out.set(prefix, sha);
  return sha;
}

/**
 * The git tree ids of a file list: the root tree (key `""`) and every directory (key = its path),
 * computed as git would, so directory `oid`s in tree listings are real tree shas.
 */
export function gitTreeShas(files: readonly { path: string; oid: string }[]): Map<string, string> {
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const file of files) {
    const slash = file.path.lastIndexOf('/');
    const dir = slash < 0 ? root : dirOf(root, file.path.slice(0, slash));
    dir.files.set(file.path.slice(slash + 1), file.oid);
  }
  const out = new Map<string, string>();
  treeSha(root, out, '');
  return out;
}

/** A git commit id over the canonical commit text (tree, parent, author, message). */
export function gitCommitSha(commit: {
  treeSha: string;
  parent: string | null;
  author: string;
  createdAt: string;
  title: string;
  description: string;
}): string {
  const seconds = Math.floor(Date.parse(commit.createdAt) / 1000);
  const who = `${commit.author} <${commit.author}@modelhub> ${seconds} +0000`;
  const message = commit.description === '' ? commit.title : `${commit.title}\n\n${commit.description}`;
  const text = [
    `tree ${commit.treeSha}`,
    ...(commit.parent === null ? [] : [`parent ${commit.parent}`]),
    `author ${who}`,
    `committer ${who}`,
    '',
    `${message}\n`,
  ].join('\n');
  return gitObject('commit', Buffer.from(text));
}
