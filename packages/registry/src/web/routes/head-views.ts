import { isModelhubError, validationMetrics, type HeadManifest } from '@modelhub/core';
import { parseHeadManifest } from '@modelhub/core/schemas';

import type { Actor, Commit, Repo, TreeFile } from '../../domain/types.ts';
import type { HeadSummary } from '../pages/head-panel.ts';
import type { HeadView } from '../pages/head-view.ts';
import { headTag } from '../pages/repo-kind.ts';
import type { WebData } from '../web-data.ts';

/** How many heads a backbone's page lists (the rest through the search page). */
export const headsShown = 20;

const manifestName = 'modelhub.json';
const confusionName = 'confusion-matrix.svg';

/**
 * The head manifest of a commit: undefined when there is no `modelhub.json` or it describes
 * something else (backbones carry one too), a problem when it claims to be a head but is invalid.
 */
export async function headManifestOf(
  data: WebData,
  files: readonly TreeFile[],
): Promise<{ manifest: HeadManifest } | { problem: string } | undefined> {
  const file = files.find((f) => f.path === manifestName);
  if (file === undefined || file.size > 4 * 1024 * 1024) {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse((await data.readBytes(file, file.size)).toString('utf8'));
  } catch {
    return undefined;
  }
  if ((json as { format?: unknown } | null)?.format !== 'modelhub-head') {
    return undefined;
  }
  try {
    return { manifest: parseHeadManifest(json, manifestName) };
  } catch (error) {
    if (isModelhubError(error)) {
      return {
        problem: `modelhub.json says this is a head but is not a valid head manifest: ${error.message}`,
      };
    }
    throw error;
  }
}

/** What a head's page shows about its base, its metrics and its confusion matrix. */
export async function headViewOf(
  data: WebData,
  actor: Actor,
  repo: Repo,
  commit: Commit,
  manifest: HeadManifest,
  files: readonly TreeFile[],
): Promise<HeadView> {
  // Heads resolve their base on the head's registry first, so a readable repo of that name here is the base.
  const baseRepo = await data.repoIfReadable(actor, manifest.base.repo);
  let currentMain: string | undefined;
  if (baseRepo !== undefined) {
    currentMain = (await data.resolve(baseRepo, 'main')).sha;
  }
  const id = `${repo.namespace}/${repo.name}`;
  return {
    manifest,
    base: {
      repo: manifest.base.repo,
      commit: manifest.base.commit,
      endpoint: manifest.base.endpoint,
      local: baseRepo !== undefined,
      currentMain,
    },
    confusionUrl: files.some((f) => f.path === confusionName)
      ? `/${id}/resolve/${commit.sha}/${confusionName}`
      : undefined,
  };
}

/** The heads trained on a backbone that the actor may see, newest first, with their headline numbers. */
export async function headsOf(
  data: WebData,
  actor: Actor,
  backbone: Repo,
): Promise<{ list: HeadSummary[]; total: number }> {
  const id = `${backbone.namespace}/${backbone.name}`;
  const found = await data.search(actor, {
    tags: [headTag, `base_model:${id}`],
    sort: 'lastModified',
    descending: true,
    offset: 0,
    limit: headsShown,
  });
  const list: HeadSummary[] = [];
  for (const repo of found.repos) {
    const commit = await data.resolve(repo, 'main');
    const head = await headManifestOf(data, await data.files(commit));
    const manifest = head !== undefined && 'manifest' in head ? head.manifest : undefined;
    list.push({
      repo,
      classes: manifest?.labels.length,
      accuracy: manifest === undefined ? undefined : validationMetrics(manifest).accuracy,
      baseCommit: manifest?.base.repo === id ? manifest.base.commit : undefined,
    });
  }
  return { list, total: found.total };
}
