import * as z from 'zod';

import { ModelhubError, lazySchema } from '@modelhub/core';

import { encodeRevision } from '../api/hub-api.ts';
import type { HubHttp } from '../http/hub-http.ts';

const pathsInfoSchema = lazySchema(() =>
  z.array(
    z.object({
      type: z.string(),
      path: z.string(),
      oid: z.string().optional(),
      lfs: z.object({ oid: z.string() }).nullable().optional(),
    }),
  ),
);

/**
 * The content id of each of `paths` at commit `revision`: the sha256 of LFS files, the git blob
 * sha1 of the others (what preupload compares too); paths missing there are left out.
 */
async function contentAt(
  http: HubHttp,
  repo: string,
  revision: string,
  paths: readonly string[],
  context: Readonly<Record<string, unknown>>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < paths.length; i += 200) {
    const res = await http.sendWithRetry(
      {
        method: 'POST',
        url: http.url(`/api/models/${repo}/paths-info/${encodeRevision(revision)}`),
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ paths: paths.slice(i, i + 200), expand: false }),
      },
      context,
    );
    const parsed = pathsInfoSchema().safeParse(await res.body.json());
    if (!parsed.success) {
      throw new ModelhubError('HTTP_ERROR', 'The registry sent an unexpected answer to paths-info.', {
        hint: 'Check that --endpoint points at a Hugging Face Hub-compatible registry.',
      });
    }
    for (const entry of parsed.data) {
      const oid = entry.lfs?.oid ?? entry.oid;
      if (entry.type === 'file' && oid !== undefined) {
        out.set(entry.path, oid);
      }
    }
  }
  return out;
}

/** What the commits between two heads did to the paths a push changes. */
export interface ConcurrentChanges {
  /** Paths the other commits changed to something else than this push sends: a real conflict. */
  readonly conflicting: readonly string[];
  /** Paths the other commits already set to exactly what this push sends. */
  readonly alreadyThere: readonly string[];
}

/**
 * Compares the pushed paths at the push's parent commit and at the branch's new head: a path
 * whose content differs between the two was changed by someone else meanwhile.
 */
export async function concurrentChanges(
  http: HubHttp,
  repo: string,
  parent: string,
  head: string,
  files: readonly { path: string; oid: string }[],
  context: Readonly<Record<string, unknown>>,
): Promise<ConcurrentChanges> {
  const paths = files.map((f) => f.path);
  const [before, after] = await Promise.all([
    contentAt(http, repo, parent, paths, context),
    contentAt(http, repo, head, paths, context),
  ]);
  const conflicting: string[] = [];
  const alreadyThere: string[] = [];
  for (const file of files) {
    const now = after.get(file.path);
    if (now === before.get(file.path)) {
      continue;
    }
    if (now === file.oid) {
      alreadyThere.push(file.path);
    } else {
      conflicting.push(file.path);
    }
  }
  return { conflicting, alreadyThere };
}
