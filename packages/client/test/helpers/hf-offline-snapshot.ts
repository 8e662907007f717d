import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The files huggingface_hub 1.x finds missing when it reads a cached snapshot offline, by its own
 * rule (`snapshot_download` → `_raise_if_incomplete_snapshot` in `_snapshot_download.py`, 1.29):
 * the commit is read from `refs/<revision>`; if `trees/<commit>.json` exists with
 * `format_version` 1, every path it lists (filtered by allow/ignore patterns, none by default)
 * must be a regular file under `snapshots/<commit>/` (`os.path.isfile`, which follows symlinks);
 * any missing path raises `IncompleteSnapshotError`. Without a tree file the folder is returned as
 * it is. The client itself cannot run in CI, so its rule is encoded here; an empty list means the
 * Python client accepts the snapshot.
 */
export async function hfOfflineMissing(repoDir: string, revision = 'main'): Promise<string[]> {
  const commit = await readFile(join(repoDir, 'refs', revision), 'utf8');
  let tree: { format_version?: unknown; files?: Record<string, unknown> };
  try {
    tree = JSON.parse(await readFile(join(repoDir, 'trees', `${commit}.json`), 'utf8')) as typeof tree;
  } catch {
    return [];
  }
  if (tree.format_version !== 1 || tree.files === undefined) {
    return [];
  }
  const missing: string[] = [];
  for (const path of Object.keys(tree.files)) {
    const isFile = await stat(join(repoDir, 'snapshots', commit, ...path.split('/'))).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!isFile) {
      missing.push(path);
    }
  }
  return missing;
}
