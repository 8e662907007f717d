import { readFile } from 'node:fs/promises';

import * as z from 'zod';

import { ModelhubError, isModelhubError, lazySchema, parseModelRef } from '@modelhub/core';

import { encodeRevision } from '../api/hub-api.ts';
import { missingTokenHint } from '../auth/token-scope.ts';
import { resolveClientConfig, type ClientOptions } from '../config/client-config.ts';
import { HubHttp, readSmallBody, type HttpResponse, type RequestObserver } from '../http/hub-http.ts';
import { backoffDelay, delay, type RetryPolicy } from '../http/retry-policy.ts';
import { concurrentChanges } from './concurrent-changes.ts';
import { uploadLfsFiles } from './lfs-files.ts';
import { scanLocalFolder, type LocalFile } from './local-files.ts';

export interface PushOptions extends ClientOptions {
  /** Make the repository private when it is created (an existing repo keeps its visibility). */
  readonly private?: boolean | undefined;
  /** Branch to commit to; created from the default branch when missing. Default `main`. */
  readonly revision?: string | undefined;
  /** Commit title. */
  readonly message?: string | undefined;
  /**
   * Commit only if the branch is still at this commit (CONFLICT otherwise). By default the push
   * commits on the head it saw when it started, and when another commit lands first (412) it
   * commits on the new head instead, as long as that commit changed none of the pushed files.
   */
  readonly parentCommit?: string | undefined;
  /** How often a push without `parentCommit` moves onto a newer head before giving up (default 5). */
  readonly maxRebases?: number | undefined;
  /** Upload PUTs in flight at once, across files and parts (default 4). */
  readonly connections?: number | undefined;
  /** Retries of every request, upload part and rebase (backoff with jitter). */
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Bytes uploaded so far out of the bytes that need uploading (it goes back when a part is sent again). */
  readonly onProgress?: ((uploaded: number, total: number) => void) | undefined;
  readonly onRequest?: RequestObserver | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface PushResult {
  readonly endpoint: string;
  readonly repo: string;
  readonly revision: string;
  /** The new commit, or the current head when nothing changed. */
  readonly commit: string;
  readonly commitUrl: string | undefined;
  readonly createdRepo: boolean;
  /** Paths sent in this commit. */
  readonly uploaded: readonly string[];
  /** Paths the registry already had with the same content. */
  readonly unchanged: readonly string[];
  /** Bytes that went through LFS uploads. */
  readonly lfsBytes: number;
}

const preuploadSchema = lazySchema(() =>
  z.object({
    files: z.array(
      z.object({
        path: z.string(),
        uploadMode: z.enum(['lfs', 'regular']),
        shouldIgnore: z.boolean().optional(),
        oid: z.string().nullable().optional(),
      }),
    ),
  }),
);

const commitSchema = lazySchema(() => z.object({ commitOid: z.string(), commitUrl: z.string().optional() }));
const revisionSchema = lazySchema(() => z.object({ sha: z.string() }));

async function json<T>(res: HttpResponse, schema: z.ZodType<T>, what: string): Promise<T> {
  const parsed = schema.safeParse(await res.body.json());
  if (!parsed.success) {
    throw new ModelhubError('HTTP_ERROR', `The registry sent an unexpected answer to ${what}.`, {
      hint: 'Check that --endpoint points at a Hugging Face Hub-compatible registry.',
    });
  }
  return parsed.data;
}

function splitRepo(repo: string): { namespace: string; name: string } {
  const ref = parseModelRef(repo);
  if (ref.kind !== 'repo' || ref.revision !== undefined || ref.endpoint !== undefined) {
    throw new ModelhubError('INVALID_ARGUMENT', `"${repo}" is not a repository id.`, {
      hint: 'Name the target as namespace/name, e.g. me/digits-head; pass the registry with --endpoint.',
    });
  }
  return { namespace: ref.namespace, name: ref.name };
}

/**
 * Publishes a folder as one commit through the Hub protocol (hub-protocol.md §8–§9): create the
 * repo if needed, ask which files the registry already has (preupload), upload large files
 * through the LFS batch API, then commit. Works against our registry and huggingface.co alike.
 */
export async function pushFolder(dir: string, repo: string, options: PushOptions = {}): Promise<PushResult> {
  const config = resolveClientConfig(options);
  const { namespace, name } = splitRepo(repo);
  const id = `${namespace}/${name}`;
  const revision = options.revision ?? 'main';
  if (config.offline) {
    throw new ModelhubError('OFFLINE', `Cannot push ${id} in offline mode.`, {
      hint: 'Unset HUB_OFFLINE / HF_HUB_OFFLINE or drop --offline.',
    });
  }
  if (config.token === undefined) {
    throw new ModelhubError('AUTH_REQUIRED', `Pushing to ${id} needs a write token for ${config.endpoint}.`, {
      hint: missingTokenHint(config.endpoint, config.skippedTokens),
    });
  }
  const files = await scanLocalFolder(dir);
  const http = HubHttp.forConfig(config, { onRequest: options.onRequest, retry: options.retry });
  const { Agent } = await import('undici'); // Loaded by the commands that upload (see hub-http.ts).
  const uploads = new Agent({ connections: options.connections ?? 4 });
  const context = { repo: id, revision, endpoint: config.endpoint };
  const api = `/api/models/${id}`;
  const post = (
    path: string,
    body: unknown,
    accept: readonly number[] = [],
    contentType = 'application/json',
  ) =>
    http.sendWithRetry(
      {
        method: 'POST',
        url: http.url(path),
        headers: { 'content-type': contentType, accept: 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: options.signal,
      },
      context,
      accept,
    );
  try {
    const created = await post(
      '/api/repos/create',
      {
        name,
        organization: namespace,
        type: 'model',
        private: options.private === true,
        visibility: options.private === true ? 'private' : 'public',
      },
      [409],
    );
    await created.body.dump();
    const createdRepo = created.status !== 409;

    let parent = options.parentCommit;
    if (parent === undefined) {
      try {
        const head = await http.getJson(
          `${api}/revision/${encodeRevision(revision)}`,
          revisionSchema(),
          context,
        );
        parent = head.data.sha;
      } catch (error) {
        if (!(isModelhubError(error) && error.code === 'REVISION_NOT_FOUND')) {
          throw error;
        }
        // A new branch starts from the default branch.
        const branch = await post(`${api}/branch/${encodeRevision(revision)}`, {});
        await branch.body.dump();
        parent = (
          await http.getJson(`${api}/revision/${encodeRevision(revision)}`, revisionSchema(), context)
        ).data.sha;
      }
    }

    // Which files does the registry already have, and how does it want the others?
    const modes = new Map<string, { lfs: boolean; same: boolean }>();
    for (let i = 0; i < files.length; i += 100) {
      const chunk = files.slice(i, i + 100);
      const res = await post(`${api}/preupload/${encodeRevision(revision)}`, {
        files: chunk.map((f) => ({ path: f.path, size: f.size, sample: f.sample })),
      });
      for (const answer of (await json(res, preuploadSchema(), 'preupload')).files) {
        const local = chunk.find((f) => f.path === answer.path);
        if (local === undefined || answer.shouldIgnore === true) {
          continue;
        }
        const lfs = answer.uploadMode === 'lfs' && local.size > 0;
        const localOid = lfs ? local.sha256 : local.gitSha1;
        modes.set(answer.path, { lfs, same: answer.oid === localOid });
      }
    }
    const changed = files.filter((f) => modes.get(f.path)?.same === false);
    const unchanged = files.filter((f) => modes.get(f.path)?.same === true).map((f) => f.path);
    if (changed.length === 0) {
      return {
        endpoint: config.endpoint,
        repo: id,
        revision,
        commit: parent,
        commitUrl: undefined,
        createdRepo,
        uploaded: [],
        unchanged,
        lfsBytes: 0,
      };
    }

    const lfsFiles = changed.filter((f) => modes.get(f.path)?.lfs === true);
    const total = lfsFiles.reduce((sum, f) => sum + f.size, 0);
    let done = 0;
    options.onProgress?.(0, total);
    await uploadLfsFiles(
      {
        http,
        dispatcher: uploads,
        repo: id,
        revision,
        connections: options.connections,
        signal: options.signal,
        onBytes: (bytes) => {
          done += bytes;
          options.onProgress?.(done, total);
        },
      },
      lfsFiles,
    );

    const oidOf = (f: LocalFile): string => (modes.get(f.path)?.lfs === true ? f.sha256 : f.gitSha1);
    let toCommit = changed;
    const lines = new Map(
      await Promise.all(
        changed.map(
          async (f) =>
            [f.path, JSON.stringify(await commitLine(f, modes.get(f.path)?.lfs === true))] as const,
        ),
      ),
    );
    const result = (commit: string, commitUrl: string | undefined): PushResult => ({
      endpoint: config.endpoint,
      repo: id,
      revision,
      commit,
      commitUrl,
      createdRepo,
      uploaded: toCommit.map((f) => f.path),
      unchanged: [...unchanged, ...changed.filter((f) => !toCommit.includes(f)).map((f) => f.path)],
      lfsBytes: total,
    });
    for (let rebase = 0; ; rebase += 1) {
      const header = {
        key: 'header',
        value: {
          summary:
            options.message ??
            `Upload ${toCommit.length} file${toCommit.length === 1 ? '' : 's'} with modelhub`,
          description: '',
          parentCommit: parent,
        },
      };
      const res = await post(
        `${api}/commit/${encodeRevision(revision)}`,
        [JSON.stringify(header), ...toCommit.map((f) => lines.get(f.path) ?? '')].join('\n'),
        [409, 412],
        'application/x-ndjson',
      );
      if (res.status !== 409 && res.status !== 412) {
        const commit = await json(res, commitSchema(), 'the commit');
        return result(commit.commitOid, commit.commitUrl);
      }
      const text = await readSmallBody(res);
      if (res.status === 409 || options.parentCommit !== undefined) {
        throw new ModelhubError(
          'CONFLICT',
          `${id}@${revision} moved on while pushing: it is no longer at ${parent.slice(0, 12)}.`,
          {
            hint: 'Someone pushed a newer commit; pull it, reconcile, and push again.',
            details: { repo: id, revision, parentCommit: parent, server: text.slice(0, 300) },
          },
        );
      }
      // Another commit landed first: go on from the new head, unless it touched the same files.
      const maxRebases = options.maxRebases ?? 5;
      if (rebase >= maxRebases) {
        throw new ModelhubError(
          'CONFLICT',
          `${id}@${revision} kept moving: ${rebase + 1} attempts to commit on its newest head were overtaken by other commits.`,
          {
            hint: 'Other pushes land on this branch without pause; retry later, or push to another branch (--revision).',
            details: { repo: id, revision, attempts: rebase + 1 },
          },
        );
      }
      const head = (
        await http.getJson(`${api}/revision/${encodeRevision(revision)}`, revisionSchema(), context)
      ).data.sha;
      const changes = await concurrentChanges(
        http,
        id,
        parent,
        head,
        toCommit.map((f) => ({ path: f.path, oid: oidOf(f) })),
        context,
      );
      if (changes.conflicting.length > 0) {
        const shown = changes.conflicting.slice(0, 5).join(', ');
        throw new ModelhubError(
          'CONFLICT',
          `${id}@${revision} moved on while pushing, and the new commits changed ${shown}${changes.conflicting.length > 5 ? ', …' : ''} too.`,
          {
            hint: 'Pull the new revision, reconcile those files, and push again.',
            details: { repo: id, revision, parentCommit: parent, head, conflicting: changes.conflicting },
          },
        );
      }
      parent = head;
      toCommit = toCommit.filter((f) => !changes.alreadyThere.includes(f.path));
      if (toCommit.length === 0) {
        return result(head, undefined);
      }
      await delay(backoffDelay(http.retry, rebase, undefined), options.signal);
    }
  } finally {
    // Nothing is in flight after a success; after a failure, parts still running are cut.
    await Promise.all([http.close(), uploads.destroy()]);
  }
}

async function commitLine(
  file: LocalFile,
  lfs: boolean,
): Promise<{ key: string; value: Record<string, unknown> }> {
  if (lfs) {
    return { key: 'lfsFile', value: { path: file.path, algo: 'sha256', oid: file.sha256, size: file.size } };
  }
  return {
    key: 'file',
    value: {
      path: file.path,
      content: (await readFile(file.absolute)).toString('base64'),
      encoding: 'base64',
    },
  };
}
