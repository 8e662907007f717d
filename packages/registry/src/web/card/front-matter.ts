import { parse } from 'yaml';

/** A model card split into its YAML front matter and its Markdown body. */
export interface SplitCard {
  /** The front matter as an object; empty when there is none or it is not a mapping. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The Markdown after the front matter. */
  readonly body: string;
  /** Why the front matter could not be read, if it could not. */
  readonly problem: string | undefined;
}

const fence = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;

/**
 * Splits README.md into front matter and body, and parses the front matter with `yaml` (core
 * schema, at most 100 aliases, so a hostile card cannot make it expensive). A card whose front
 * matter does not parse keeps its body and says why.
 */
export function splitFrontMatter(readme: string): SplitCard {
  const text = readme.replace(/^\uFEFF/, '');
  const match = fence.exec(text);
  if (match === null) {
    return { data: {}, body: text, problem: undefined };
  }
  const body = text.slice(match[0].length);
  try {
    const parsed: unknown = parse(match[1] ?? '', {
      schema: 'core',
      maxAliasCount: 100,
      prettyErrors: false,
    });
    if (parsed === null || parsed === undefined) {
      return { data: {}, body, problem: undefined };
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { data: {}, body, problem: 'The front matter is not a mapping of keys to values.' };
    }
    return { data: parsed as Record<string, unknown>, body, problem: undefined };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { data: {}, body, problem: `The front matter is not valid YAML: ${reason ?? ''}` };
  }
}
