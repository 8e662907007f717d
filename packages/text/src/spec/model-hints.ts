import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A JSON file of a model folder as a plain object, or undefined when absent or not an object. */
export async function readJsonObject(
  dir: string,
  file: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const json = JSON.parse(await readFile(join(dir, file), 'utf8')) as unknown;
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The `modality` a model folder's own `modelhub.json` declares, if any. */
export async function declaredModality(dir: string): Promise<string | undefined> {
  const own = await readJsonObject(dir, 'modelhub.json');
  const modality = own?.['modality'];
  return typeof modality === 'string' ? modality : undefined;
}
