import type { RepoDiscovery } from '../domain/types.ts';

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

function scalar(text: string): Yaml {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null') {
    return null;
  }
  if (t === 'true' || t === 'false') {
    return t === 'true';
  }
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    return Number(t);
  }
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) {
    return t.startsWith('"') ? (JSON.parse(t) as string) : t.slice(1, -1).replaceAll("''", "'");
  }
  if (t.startsWith('[') && t.endsWith(']')) {
    const inner = t.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((item) => scalar(item));
  }
  return t;
}

interface Line {
  readonly indent: number;
  readonly text: string;
}

function parseBlock(lines: readonly Line[], start: number, indent: number): { value: Yaml; next: number } {
  const first = lines[start];
  if (first === undefined || first.indent < indent) {
    return { value: null, next: start };
  }
  if (first.text.startsWith('- ') || first.text === '-') {
    const items: Yaml[] = [];
    let i = start;
    while (i < lines.length) {
      const line = lines[i];
      if (
        line === undefined ||
        line.indent !== first.indent ||
        !(line.text.startsWith('- ') || line.text === '-')
      ) {
        break;
      }
      const rest = line.text.slice(1).trim();
      if (rest === '') {
        const sub = parseBlock(lines, i + 1, first.indent + 1);
        items.push(sub.value);
        i = sub.next;
      } else if (/^[^"'[{][^:]*:(\s|$)/.test(rest)) {
        // "- key: value" opens a mapping whose other keys sit at the item's content column.
        const column = first.indent + line.text.indexOf(rest);
        const synthetic: Line[] = [{ indent: column, text: rest }];
        let j = i + 1;
        while (j < lines.length && (lines[j]?.indent ?? 0) >= column) {
          const l = lines[j];
          if (l !== undefined) {
            synthetic.push(l);
          }
          j += 1;
        }
        items.push(parseBlock(synthetic, 0, column).value);
        i = j;
      } else {
        items.push(scalar(rest));
        i += 1;
      }
    }
    return { value: items, next: i };
  }
  const map: Record<string, Yaml> = {};
  let i = start;
  while (i < lines.length) {
    const line = lines[i];
    if (line === undefined || line.indent !== first.indent) {
      if (line !== undefined && line.indent > first.indent) {
        i += 1;
        continue;
      }
      break;
    }
    const match = /^("[^"]*"|'[^']*'|[^:]+):(?:\s+(.*))?$/.exec(line.text);
    if (match === null) {
      i += 1;
      continue;
    }
    const rawKey = match[1] ?? '';
    const key = /^["']/.test(rawKey) ? rawKey.slice(1, -1) : rawKey.trim();
    const rest = match[2]?.trim() ?? '';
    if (rest === '' || rest === '|' || rest === '>' || rest === '|-' || rest === '>-') {
      const next = lines[i + 1];
      if (
        rest === '' &&
        next !== undefined &&
        (next.indent > line.indent || (next.indent === line.indent && next.text.startsWith('-')))
      ) {
        const sub = parseBlock(lines, i + 1, next.indent);
        map[key] = sub.value;
        i = sub.next;
      } else if (rest !== '') {
        const texts: string[] = [];
        let j = i + 1;
        while (j < lines.length && (lines[j]?.indent ?? 0) > line.indent) {
          texts.push(lines[j]?.text ?? '');
          j += 1;
        }
        map[key] = texts.join(rest.startsWith('|') ? '\n' : ' ');
        i = j;
      } else {
        map[key] = null;
        i += 1;
      }
    } else {
      map[key] = scalar(rest.replace(/\s+#.*$/, ''));
      i += 1;
    }
  }
  return { value: map, next: i };
}

/**
 * The YAML front matter of a model card (README.md) as an object, or null when there is none.
 * It reads the subset model cards use: mappings, block and flow lists, scalars, literal blocks.
 */
export function parseCardData(readme: string): Record<string, unknown> | null {
  const text = readme.replace(/^\uFEFF/, '');
  const match = /^---\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/.exec(text);
  if (match === null) {
    return null;
  }
  const lines: Line[] = [];
  for (const raw of (match[1] ?? '').split(/\r?\n/)) {
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) {
      continue;
    }
    const indent = raw.length - raw.trimStart().length;
    lines.push({ indent, text: raw.trim() });
  }
  if (lines.length === 0) {
    return {};
  }
  const { value } = parseBlock(lines, 0, lines[0]?.indent ?? 0);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
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
