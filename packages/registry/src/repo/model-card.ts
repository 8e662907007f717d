import { parseDocument } from 'yaml';

import type { RepoDiscovery } from '../domain/types.ts';

/** Where a README's YAML front matter is: none, opened but never closed, or its text. */
export type FrontMatter =
  | { readonly kind: 'none' }
  | { readonly kind: 'unclosed' }
  | { readonly kind: 'block'; readonly text: string; readonly line: number };

/** Finds the `---` … `---` block that opens a README (after an optional BOM). */
export function frontMatterOf(readme: string): FrontMatter {
  const text = readme.replace(/^\uFEFF/, '');
  if (!/^---[ \t]*\r?\n/.test(text)) {
    return { kind: 'none' };
  }
  const match = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/.exec(text);
  return match === null ? { kind: 'unclosed' } : { kind: 'block', text: match[1] ?? '', line: 2 };
}

/**
 * The YAML front matter of a model card (README.md) as an object, or null when there is none or
 * it is not a valid YAML mapping (`/api/validate-yaml` says why; a commit is never refused for it).
 */
export function parseCardData(readme: string): Record<string, unknown> | null {
  const block = frontMatterOf(readme);
  if (block.kind !== 'block') {
    return null;
  }
  const document = parseDocument(block.text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return null;
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) {
    return {};
  }
  return typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string' && value !== '') {
    return [value];
  }
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

/**
 * The discovery fields of a repo from its card: `library_name`, `pipeline_tag` and the tag list
 * the Hub derives (card tags, the library, the pipeline tag, `license:x`, `base_model:ns/name`,
 * `dataset:x`, languages).
 */
export function discoveryOf(card: Readonly<Record<string, unknown>> | null): RepoDiscovery {
  if (card === null) {
    return { libraryName: null, pipelineTag: null, tags: [] };
  }
  const libraryName = strings(card['library_name'])[0] ?? null;
  const pipelineTag = strings(card['pipeline_tag'])[0] ?? null;
  const tags = new Set<string>(strings(card['tags']));
  if (libraryName !== null) {
    tags.add(libraryName);
  }
  if (pipelineTag !== null) {
    tags.add(pipelineTag);
  }
  for (const license of strings(card['license'])) {
    tags.add(`license:${license}`);
  }
  for (const base of strings(card['base_model'])) {
    tags.add(`base_model:${base}`);
  }
  for (const dataset of strings(card['datasets'])) {
    tags.add(`dataset:${dataset}`);
  }
  for (const language of strings(card['language'])) {
    tags.add(language);
  }
  return { libraryName, pipelineTag, tags: [...tags] };
}
