import { readJsonObject } from '@modelhub/core';

/** The `modality` a model folder's own `modelhub.json` declares, if any. */
export async function declaredModality(dir: string): Promise<string | undefined> {
  const own = await readJsonObject(dir, 'modelhub.json');
  const modality = own?.['modality'];
  return typeof modality === 'string' ? modality : undefined;
}
