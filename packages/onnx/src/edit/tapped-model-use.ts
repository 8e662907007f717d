import { access, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Whether an edited model still exists, marking it used now (its mtime) so that `hub gc` keeps
 * the graphs in use. A read-only cache cannot be marked: then only existence is checked.
 */
export async function markTappedModelUsed(path: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(path, now, now);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return false;
    }
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  }
}

/** What {@link sweepTappedModels} removed (or would remove). */
export interface TappedSweep {
  readonly removed: number;
  readonly freedBytes: number;
}

async function sizeOf(dir: string): Promise<{ bytes: number; newestMs: number }> {
  let bytes = 0;
  let newestMs = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const s = await stat(join(entry.parentPath, entry.name));
      // A hard link to external data (the model's own file keeps it) frees nothing when removed.
      bytes += s.nlink > 1 ? 0 : s.size;
      newestMs = Math.max(newestMs, s.mtimeMs);
    }
  }
  return { bytes, newestMs };
}

/**
 * Removes the edited models under `workDir/onnx-taps/` that no load has used since `unusedSince`
 * (each is a full copy of its backbone with extra outputs, written again on its next use). Hard
 * links to external data count as freed bytes only when they are the data's last link.
 */
export async function sweepTappedModels(
  workDir: string,
  options: { readonly unusedSince: Date; readonly dryRun?: boolean },
): Promise<TappedSweep> {
  const root = join(resolve(workDir), 'onnx-taps');
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return { removed: 0, freedBytes: 0 };
  }
  let removed = 0;
  let freedBytes = 0;
  for (const name of names) {
    const dir = join(root, name);
    const { bytes, newestMs } = await sizeOf(dir).catch(() => ({ bytes: 0, newestMs: Date.now() }));
    if (newestMs >= options.unusedSince.getTime()) {
      continue;
    }
    if (options.dryRun !== true) {
      await rm(dir, { recursive: true, force: true });
    }
    removed++;
    freedBytes += bytes;
  }
  return { removed, freedBytes };
}
