import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A JSON file of a model folder as a plain object, or undefined when it is absent, not JSON or not
 * an object: the optional configs (`modelhub.json`, `config.json`, `tokenizer_config.json`,
 * `preprocessor_config.json`) that the text and audio packages read for hints.
 */
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
