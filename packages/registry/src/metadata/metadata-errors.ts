import { ModelhubError } from '@modelhub/core';

import type { RepoType } from '../domain/types.ts';

/** A commit referenced a blob whose upload was not finished and verified (HTTP 422). */
export function objectNotVerified(sha256: string): ModelhubError {
  return new ModelhubError(
    'OBJECT_NOT_VERIFIED',
    `The object ${sha256} was not uploaded, or its upload was not verified yet.`,
    {
      hint: 'Upload it through the LFS batch endpoint (and finish the upload) before committing.',
      details: { oid: sha256 },
    },
  );
}

/** A commit to a branch that does not exist. */
export function branchNotFound(branch: string): ModelhubError {
  return new ModelhubError('REVISION_NOT_FOUND', `Invalid rev id: ${branch}`, {
    hint: 'Commit to an existing branch (create it first).',
    details: { revision: branch },
  });
}

/**
 * A commit's branch moved between reading its head and writing (HTTP 409). `raced` tells a store
 * that builds commits outside its write transaction to build this one again on the new head.
 */
export function branchMoved(branch: string, head: string | undefined): ModelhubError {
  return new ModelhubError(
    'CONFLICT',
    `The branch ${branch} moved while the commit was prepared (it is now at ${head ?? 'nothing'}).`,
    { hint: 'Fetch the new head and commit again.', details: { branch, raced: true } },
  );
}

/** A repo created or moved onto a name that is taken; `type` is left out where it is not known. */
export function repoAlreadyExists(fullId: string, type?: RepoType): ModelhubError {
  return new ModelhubError(
    'CONFLICT',
    type === undefined ? 'You already created this repo' : `You already created this ${type} repo`,
    { details: { repo: fullId } },
  );
}
