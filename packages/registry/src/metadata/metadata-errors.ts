import { ModelhubError } from '@modelhub/core';

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
