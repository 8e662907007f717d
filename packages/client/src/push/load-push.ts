import type { PushOptions, PushResult } from './push-folder.ts';

/**
 * `pushFolder`, whose module is loaded on its first call: pushing checks the registry's answers
 * with zod schemas, and a static import would load zod into every process that imports the client
 * (each `hub pull` paid ~35 ms for it).
 */
export async function pushFolder(dir: string, repo: string, options: PushOptions = {}): Promise<PushResult> {
  const push = await import('./push-folder.ts');
  return push.pushFolder(dir, repo, options);
}
