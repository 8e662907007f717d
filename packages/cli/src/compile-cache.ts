import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What the launcher did about V8's code cache for the CLI's modules. */
export interface CompileCacheState {
  readonly enabled: boolean;
  /** Where the compiled code lives, when enabled. */
  readonly directory?: string;
  /** Why it is off (no API on this Node, disabled, or the folder is unusable). */
  readonly reason?: string;
  /**
   * The `NODE_COMPILE_CACHE` value that gives worker threads the same cache (the API enables it
   * for this thread only; a worker reads the variable from its environment when it starts).
   * Undefined when the variable is already what enabled it.
   */
  readonly workerVariable?: string;
}

/**
 * Lets the worker threads the commands start (onnxruntime's, TF.js's: ~60–90 ms of compiling
 * tfjs per worker and process) read the same compiled code, by setting `NODE_COMPILE_CACHE` for
 * them; child processes inherit it too, which only shares the same per-user cache.
 */
export function shareCompileCacheWithWorkers(
  state: CompileCacheState,
  env: Record<string, string | undefined> = process.env,
): void {
  if (state.enabled && state.workerVariable !== undefined) {
    env['NODE_COMPILE_CACHE'] = state.workerVariable;
  }
}

/**
 * Where the launcher keeps the compiled code: `$XDG_CACHE_HOME/modelhub/node-compile-cache`, else
 * `~/.cache/modelhub/node-compile-cache`. Per user rather than Node's default under the shared
 * temp folder, where another account could plant code the CLI would run. Undefined without a home.
 */
export function compileCacheDir(
  env: Readonly<Record<string, string | undefined>>,
  home: string = homedir(),
): string | undefined {
  const xdg = env['XDG_CACHE_HOME']?.trim();
  const base = xdg !== undefined && xdg !== '' ? xdg : home === '' ? undefined : join(home, '.cache');
  return base === undefined ? undefined : join(base, 'modelhub', 'node-compile-cache');
}

/**
 * Turns on Node's module compile cache (Node ≥ 22.1) before the CLI's modules load: a fresh `hub`
 * process then deserialises V8 code instead of compiling ~300 modules again. `NODE_COMPILE_CACHE`
 * (a folder) wins, `NODE_DISABLE_COMPILE_CACHE=1` turns it off. It never fails a command: an
 * unusable folder (read-only home, a file in the way) leaves it off, Node checks every entry
 * against its source before using it (a corrupt or stale entry is compiled again and rewritten),
 * and a failed write at exit is ignored.
 */
export function enableCompileCache(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home?: string,
): CompileCacheState {
  try {
    if (typeof module.enableCompileCache !== 'function') {
      return { enabled: false, reason: 'this Node.js has no module compile cache' };
    }
    const explicit = env['NODE_COMPILE_CACHE']?.trim();
    const directory =
      explicit !== undefined && explicit !== '' ? undefined : compileCacheDir(env, home ?? homedir());
    const { status, message, directory: used } = module.enableCompileCache(directory);
    const { ENABLED, ALREADY_ENABLED } = module.constants.compileCacheStatus;
    if (status === ENABLED || status === ALREADY_ENABLED) {
      return {
        enabled: true,
        ...(used === undefined ? {} : { directory: used }),
        ...(directory === undefined ? {} : { workerVariable: directory }),
      };
    }
    return { enabled: false, reason: message ?? 'disabled (NODE_DISABLE_COMPILE_CACHE)' };
  } catch (error) {
    return { enabled: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
