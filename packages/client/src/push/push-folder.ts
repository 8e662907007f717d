import { readFile } from 'node:fs/promises';

import { Agent } from 'undici';
import { z } from 'zod';

import { ModelhubError, isModelhubError, parseModelRef } from '@modelhub/core';

import { encodeRevision } from '../api/hub-api.ts';
import { missingTokenHint } from '../auth/token-scope.ts';
import { resolveClientConfig, type ClientOptions } from '../config/client-config.ts';
import { HubHttp, readSmallBody, type HttpResponse, type RequestObserver } from '../http/hub-http.ts';
import { BatchResponseSchema, uploadLfsObject } from './lfs-upload.ts';
import { scanLocalFolder, type LocalFile } from './local-files.ts';

export interface PushOptions extends ClientOptions {
  /** Make the repository private when it is created (an existing repo keeps its visibility). */
  readonly private?: boolean | undefined;
  /** Branch to commit to; created from the default branch when missing. Default `main`. */
  readonly revision?: string | undefined;
  /** Commit title. */
  readonly message?: string | undefined;
  /**
   * Commit only if the branch is still at this commit; by default, the head seen when the push
   * starts, so a concurrent push to the same branch makes this one fail instead of overwriting it.
   */
  readonly parentCommit?: string | undefined;
  /** Bytes uploaded so far out of the bytes that need uploading. */
  readonly onProgress?: ((uploaded: number, total: number) => void) | undefined;
  readonly onRequest?: RequestObserver | undefined;
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

const PreuploadSchema = z.object({
  files: z.array(
    z.object({
      path: z.string(),
      uploadMode: z.enum(['lfs', 'regular']),
      shouldIgnore: z.boolean().optional(),
      oid: z.string().nullable().optional(),
    }),
  ),
});

const CommitSchema = z.object({ commitOid: z.string(), commitUrl: z.string().optional() });
const RevisionSchema = z.object({ sha: z.string() });

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
  const http = HubHttp.forConfig(config, { onRequest: options.onRequest });
  const uploads = new Agent({ connections: 4 });
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
          RevisionSchema,
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
        parent = (await http.getJson(`${api}/revision/${encodeRevision(revision)}`, RevisionSchema, context))
          .data.sha;
      }
    }

    // Which files does the registry already have, and how does it want the others?
    const modes = new Map<string, { lfs: boolean; same: boolean }>();
    for (let i = 0; i < files.length; i += 100) {
      const chunk = files.slice(i, i + 100);
      const res = await post(`${api}/preupload/${encodeRevision(revision)}`, {
        files: chunk.map((f) => ({ path: f.path, size: f.size, sample: f.sample })),
      });
      for (const answer of (await json(res, PreuploadSchema, 'preupload')).files) {
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
    for (let i = 0; i < lfsFiles.length; i += 100) {
      const chunk = lfsFiles.slice(i, i + 100);
      const res = await http.sendWithRetry(
        {
          method: 'POST',
          url: http.url(`/${id}.git/info/lfs/objects/batch`),
          headers: { accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' },
          body: JSON.stringify({
            operation: 'upload',
            transfers: ['basic', 'multipart'],
            hash_algo: 'sha256',
            ref: { name: revision },
            objects: chunk.map((f) => ({ oid: f.sha256, size: f.size })),
          }),
        },
        context,
      );
      const batch = await json(res, BatchResponseSchema, 'the LFS batch request');
      for (const object of batch.objects) {
        const file = chunk.find((f) => f.sha256 === object.oid);
        if (file === undefined) {
          continue;
        }
        if (object.error !== undefined) {
          throw new ModelhubError(
            'HTTP_ERROR',
            `The registry refused ${file.path}: ${object.error.message}.`,
            {
              details: { path: file.path, code: object.error.code },
            },
          );
        }
        await uploadLfsObject(object, file, uploads, (bytes) => {
          done += bytes;
          options.onProgress?.(done, total);
        });
        const verify = object.actions?.verify;
        if (verify !== undefined) {
          const res = await http.sendWithRetry({
            method: 'POST',
            url: verify.href,
            headers: { 'content-type': 'application/vnd.git-lfs+json' },
            body: JSON.stringify({ oid: file.sha256, size: file.size }),
          });
          await res.body.dump();
        }
      }
    }

    const lines = [
      {
        key: 'header',
        value: {
          summary:
            options.message ??
            `Upload ${changed.length} file${changed.length === 1 ? '' : 's'} with modelhub`,
          description: '',
          parentCommit: parent,
        },
      },
      ...(await Promise.all(changed.map((f) => commitLine(f, modes.get(f.path)?.lfs === true)))),
    ];
    const res = await post(
      `${api}/commit/${encodeRevision(revision)}`,
      lines.map((l) => JSON.stringify(l)).join('\n'),
      [409, 412],
      'application/x-ndjson',
    );
    if (res.status === 409 || res.status === 412) {
      const text = await readSmallBody(res);
      throw new ModelhubError(
        'CONFLICT',
        `${id}@${revision} moved on while pushing: it is no longer at ${parent.slice(0, 12)}.`,
        {
          hint: 'Someone pushed a newer commit; pull it, reconcile, and push again.',
          details: { repo: id, revision, parentCommit: parent, server: text.slice(0, 300) },
        },
      );
    }
    const commit = await json(res, CommitSchema, 'the commit');
    return {
      endpoint: config.endpoint,
      repo: id,
      revision,
      commit: commit.commitOid,
      commitUrl: commit.commitUrl,
      createdRepo,
      uploaded: changed.map((f) => f.path),
      unchanged,
      lfsBytes: total,
    };
  } finally {
    await Promise.all([http.close(), uploads.close()]);
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
