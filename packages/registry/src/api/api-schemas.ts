import * as z from 'zod';

import { wireBoolean } from './wire-boolean.ts';

/** Request bodies the official clients send, validated before anything reads them. */

export const CreateRepoBody = z.object({
  name: z.string().min(1),
  organization: z.string().min(1).nullish(),
  type: z.enum(['model', 'dataset', 'space']).optional(),
  visibility: z.enum(['public', 'private', 'protected']).optional(),
  private: z.boolean().optional(),
});

export const DeleteRepoBody = z.object({
  name: z.string().min(1),
  organization: z.string().min(1).nullish(),
  type: z.enum(['model', 'dataset', 'space']).optional(),
});

const RepoId = z.string().regex(/^[^/]+\/[^/]+$/, 'must be namespace/name');

export const MoveRepoBody = z.object({
  fromRepo: RepoId,
  toRepo: RepoId,
  type: z.enum(['model', 'dataset', 'space']).optional(),
});

export const PreuploadBody = z.object({
  files: z
    .array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sample: z.string() }))
    .max(1000),
  gitAttributes: z.string().optional(),
  gitIgnore: z.string().optional(),
});

export const LfsBatchBody = z.object({
  operation: z.string(),
  transfers: z.array(z.string()).optional(),
  hash_algo: z.string().optional(),
  objects: z.array(z.object({ oid: z.string(), size: z.number() })).max(1000),
});

export const LfsCompletionBody = z.object({
  oid: z.string(),
  parts: z.array(z.object({ partNumber: z.number().int(), etag: z.string() })),
});

export const LfsVerifyBody = z.object({ oid: z.string(), size: z.number().int() });

export const CommitHeaderLine = z.object({
  key: z.literal('header'),
  value: z.object({
    summary: z.string().default(''),
    description: z.string().nullish(),
    parentCommit: z.string().nullish(),
  }),
});

export const CommitOperationLine = z.discriminatedUnion('key', [
  z.object({
    key: z.literal('file'),
    value: z.object({
      path: z.string(),
      content: z.string(),
      encoding: z.enum(['base64', 'utf-8']).default('base64'),
    }),
  }),
  z.object({
    key: z.literal('lfsFile'),
    value: z.object({
      path: z.string(),
      algo: z.string().optional(),
      oid: z.string(),
      size: z.number().int().nonnegative().optional(),
    }),
  }),
  z.object({ key: z.literal('deletedFile'), value: z.object({ path: z.string() }) }),
  z.object({ key: z.literal('deletedFolder'), value: z.object({ path: z.string() }) }),
]);

export const PathsInfoBody = z.object({
  paths: z.union([z.string(), z.array(z.string())]).transform((p) => (Array.isArray(p) ? p : [p])),
  expand: z.unknown().transform(wireBoolean),
});

export const BranchBody = z.object({
  startingPoint: z.string().optional(),
  overwrite: z.boolean().optional(),
  emptyBranch: z.boolean().optional(),
});

export const TagBody = z.object({ tag: z.string().min(1), message: z.string().optional() });

export const ValidateYamlBody = z.object({ content: z.string(), repoType: z.string().optional() });

export const SettingsBody = z.object({
  private: z.boolean().optional(),
  visibility: z.enum(['public', 'private', 'protected']).optional(),
});
