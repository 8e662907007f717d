import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment a client reads its defaults from. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The trimmed value, or undefined for unset and blank variables. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `1`, `true`, `yes` or `on`, in any case. */
export function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function homeOf(env: Env): string {
  const home = nonEmpty(env['HOME']) ?? homedir();
  return home === '' ? tmpdir() : home;
}

/** `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`, as the official clients resolve it. */
export function huggingFaceHome(env: Env): string {
  const hfHome = nonEmpty(env['HF_HOME']);
  if (hfHome !== undefined) {
    return hfHome;
  }
  return join(nonEmpty(env['XDG_CACHE_HOME']) ?? join(homeOf(env), '.cache'), 'huggingface');
}

/** The Hugging Face cache root, resolved as the official clients do. */
export function huggingFaceCacheRoot(env: Env): string {
  return (
    nonEmpty(env['HF_HUB_CACHE']) ??
    nonEmpty(env['HUGGINGFACE_HUB_CACHE']) ??
    join(huggingFaceHome(env), 'hub')
  );
}

/** The official client's token file: `HF_TOKEN_PATH`, else `$HF_HOME/token`. */
export function huggingFaceTokenFile(env: Env): string {
  return nonEmpty(env['HF_TOKEN_PATH']) ?? join(huggingFaceHome(env), 'token');
}

/** `HUB_CACHE`, else `~/.cache/modelhub`: the base under which non-HF registries get a folder each. */
export function modelhubCacheBase(env: Env): string {
  return nonEmpty(env['HUB_CACHE']) ?? join(homeOf(env), '.cache', 'modelhub');
}

/** Where `hub login` keeps tokens: `HUB_CONFIG_DIR`, else `$XDG_CONFIG_HOME/modelhub`, else `~/.config/modelhub`. */
export function configDir(env: Env): string {
  return (
    nonEmpty(env['HUB_CONFIG_DIR']) ??
    join(nonEmpty(env['XDG_CONFIG_HOME']) ?? join(homeOf(env), '.config'), 'modelhub')
  );
}
