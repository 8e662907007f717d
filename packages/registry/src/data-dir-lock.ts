import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError } from '@modelhub/core';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * Claims `dataDir` for one server (a `server.pid` file): a second server on the same folder
 * would discard the first one's uploads in progress when it starts. A lock left by a process
 * that died (kill -9, crash) is taken over. Returns the release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'server.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') {
        throw error;
      }
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(holder) && holder > 0 && alive(holder)) {
      throw new ModelhubError('CONFLICT', `Another registry server (pid ${holder}) is using ${dataDir}.`, {
        hint: `Stop it first, or delete ${file} if that process is not a registry.`,
        details: { dataDir, pid: holder },
      });
    }
    await rm(file, { force: true });
  }
  throw new ModelhubError('CONFLICT', `Could not claim ${dataDir} for this server.`, {
    details: { dataDir },
  });
}
