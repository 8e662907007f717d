import { parseDocument } from 'yaml';

import { frontMatterOf } from './model-card.ts';

/** What `/api/validate-yaml` answers: errors refuse the README, warnings are printed by the client. */
export interface CardValidation {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** License ids the Hub knows (its model-card spec); anything else should be `other` + `license_name`. */
const knownLicenses = new Set([
  'apache-2.0',
  'mit',
  'openrail',
  'bigscience-openrail-m',
  'creativeml-openrail-m',
  'bigscience-bloom-rail-1.0',
  'bigcode-openrail-m',
  'afl-3.0',
  'artistic-2.0',
  'bsl-1.0',
  'bsd',
  'bsd-2-clause',
  'bsd-3-clause',
  'bsd-3-clause-clear',
  'c-uda',
  'cc',
  'cc0-1.0',
  'cc-by-2.0',
  'cc-by-2.5',
  'cc-by-3.0',
  'cc-by-4.0',
  'cc-by-sa-3.0',
  'cc-by-sa-4.0',
  'cc-by-nc-2.0',
  'cc-by-nc-3.0',
  'cc-by-nc-4.0',
  'cc-by-nd-4.0',
  'cc-by-nc-nd-3.0',
  'cc-by-nc-nd-4.0',
  'cc-by-nc-sa-2.0',
  'cc-by-nc-sa-3.0',
  'cc-by-nc-sa-4.0',
  'cdla-sharing-1.0',
  'cdla-permissive-1.0',
  'cdla-permissive-2.0',
  'wtfpl',
  'ecl-2.0',
  'epl-1.0',
  'epl-2.0',
  'etalab-2.0',
  'eupl-1.1',
  'eupl-1.2',
  'agpl-3.0',
  'gfdl',
  'gpl',
  'gpl-2.0',
  'gpl-3.0',
  'lgpl',
  'lgpl-2.1',
  'lgpl-3.0',
  'isc',
  'h-research',
  'intel-research',
  'lppl-1.3c',
  'ms-pl',
  'apple-ascl',
  'apple-amlr',
  'mpl-2.0',
  'odc-by',
  'odbl',
  'openmdw-1.0',
  'openrail++',
  'osl-3.0',
  'postgresql',
  'ofl-1.1',
  'ncsa',
  'unlicense',
  'zlib',
  'pddl',
  'lgpl-lr',
  'deepfloyd-if-license',
  'fair-noncommercial-research-license',
  'llama2',
  'llama3',
  'llama3.1',
  'llama3.2',
  'llama3.3',
  'llama4',
  'gemma',
  'unknown',
  'other',
]);

/** Pipeline tags the Hub knows (the tasks of its model-card spec). */
const knownPipelineTags = new Set([
  'text-classification',
  'token-classification',
  'table-question-answering',
  'question-answering',
  'zero-shot-classification',
  'translation',
  'summarization',
  'feature-extraction',
  'text-generation',
  'fill-mask',
  'sentence-similarity',
  'text-to-speech',
  'text-to-audio',
  'automatic-speech-recognition',
  'audio-to-audio',
  'audio-classification',
  'audio-text-to-text',
  'voice-activity-detection',
  'depth-estimation',
  'image-classification',
  'object-detection',
  'image-segmentation',
  'text-to-image',
  'image-to-text',
  'image-to-image',
  'image-to-video',
  'unconditional-image-generation',
  'video-classification',
  'reinforcement-learning',
  'robotics',
  'tabular-classification',
  'tabular-regression',
  'tabular-to-text',
  'table-to-text',
  'multiple-choice',
  'text-ranking',
  'text-retrieval',
  'time-series-forecasting',
  'text-to-video',
  'image-text-to-text',
  'image-text-to-image',
  'image-text-to-video',
  'visual-question-answering',
  'document-question-answering',
  'zero-shot-image-classification',
  'graph-ml',
  'mask-generation',
  'zero-shot-object-detection',
  'text-to-3d',
  'image-to-3d',
  'image-feature-extraction',
  'video-text-to-text',
  'keypoint-detection',
  'visual-document-retrieval',
  'any-to-any',
  'video-to-video',
  'other',
]);

type Shape = 'string' | 'string-or-strings' | 'list' | 'boolean-or-mapping';

/** The type each well-known model-card field must have. */
const modelFields: Readonly<Record<string, Shape>> = {
  license: 'string',
  license_name: 'string',
  license_link: 'string',
  library_name: 'string',
  pipeline_tag: 'string',
  thumbnail: 'string',
  tags: 'string-or-strings',
  datasets: 'string-or-strings',
  language: 'string-or-strings',
  base_model: 'string-or-strings',
  base_model_relation: 'string',
  new_version: 'string',
  'model-index': 'list',
  widget: 'list',
  inference: 'boolean-or-mapping',
};

/** Misspellings worth a warning: the key, normalised (lower case, `-` → `_`), and the field meant. */
const misspelt: Readonly<Record<string, string>> = {
  licence: 'license',
  licenses: 'license',
  library: 'library_name',
  libraryname: 'library_name',
  pipeline: 'pipeline_tag',
  pipelinetag: 'pipeline_tag',
  task: 'pipeline_tag',
  tag: 'tags',
  dataset: 'datasets',
  languages: 'language',
  base_models: 'base_model',
  basemodel: 'base_model',
  model_index: 'model-index',
};

function isStringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function shapeError(key: string, shape: Shape, value: unknown): string | undefined {
  const mapping = typeof value === 'object' && value !== null && !Array.isArray(value);
  const ok =
    shape === 'string'
      ? typeof value === 'string'
      : shape === 'string-or-strings'
        ? typeof value === 'string' || isStringList(value)
        : shape === 'list'
          ? Array.isArray(value)
          : typeof value === 'boolean' || mapping;
  if (ok || value === null) {
    return undefined;
  }
  const wanted = {
    string: 'a string',
    'string-or-strings': 'a string or a list of strings',
    list: 'a list',
    'boolean-or-mapping': 'a boolean or a mapping',
  }[shape];
  return `"${key}" must be ${wanted}`;
}

function modelWarnings(card: Readonly<Record<string, unknown>>): string[] {
  const warnings: string[] = [];
  const license = card['license'];
  if (typeof license === 'string' && !knownLicenses.has(license.toLowerCase())) {
    warnings.push(
      `"license" is "${license}", which is not a license id the Hub knows; use "other" with "license_name" and "license_link".`,
    );
  }
  if (license === 'other' && card['license_name'] === undefined) {
    warnings.push('"license: other" should come with "license_name" (and "license_link").');
  }
  const pipelineTag = card['pipeline_tag'];
  if (typeof pipelineTag === 'string' && !knownPipelineTags.has(pipelineTag)) {
    warnings.push(`"pipeline_tag" is "${pipelineTag}", which is not a task the Hub knows.`);
  }
  if (typeof card['tags'] === 'string') {
    warnings.push('"tags" should be a list of strings, not one string.');
  }
  const baseModels = card['base_model'];
  for (const base of typeof baseModels === 'string'
    ? [baseModels]
    : isStringList(baseModels)
      ? (baseModels as string[])
      : []) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(base)) {
      warnings.push(`"base_model" should name a repo as namespace/name, not "${base}".`);
    }
  }
  for (const key of Object.keys(card)) {
    const meant =
      misspelt[key.toLowerCase().replaceAll('-', '_')] ??
      (key.includes('-') && key.replaceAll('-', '_') in modelFields ? key.replaceAll('-', '_') : undefined);
    if (meant !== undefined && meant !== key) {
      warnings.push(`"${key}" is not a field the Hub reads; did you mean "${meant}"?`);
    }
  }
  return warnings;
}

/**
 * Checks a README's YAML front matter the way huggingface.co's `/api/validate-yaml` does before a
 * commit: malformed YAML, an unclosed block, metadata that is not a mapping or well-known fields
 * of the wrong type are errors; unknown licenses or tasks, misspelt keys and similar are warnings.
 */
export function validateCard(readme: string, repoType: string = 'model'): CardValidation {
  const block = frontMatterOf(readme);
  if (block.kind === 'none') {
    return { errors: [], warnings: [] };
  }
  if (block.kind === 'unclosed') {
    return {
      errors: ['The metadata block opened by "---" on the first line is never closed by a "---" line.'],
      warnings: [],
    };
  }
  const document = parseDocument(block.text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      errors: document.errors.map((error) => {
        const line = error.linePos?.[0]?.line;
        const where = line === undefined ? '' : ` (README.md line ${line + block.line - 1})`;
        const what = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
        return `Invalid YAML in the metadata${where}: ${what}`;
      }),
      warnings: [],
    };
  }
  const card: unknown = document.toJS({ maxAliasCount: 100 });
  if (card === null || card === undefined) {
    return { errors: [], warnings: ['The metadata block is empty.'] };
  }
  if (typeof card !== 'object' || Array.isArray(card)) {
    return { errors: ['The metadata must be a YAML mapping of fields (key: value).'], warnings: [] };
  }
  const fields = card as Record<string, unknown>;
  if (repoType !== 'model') {
    return { errors: [], warnings: [] };
  }
  const errors = Object.entries(modelFields).flatMap(([key, shape]) => {
    const error = key in fields ? shapeError(key, shape, fields[key]) : undefined;
    return error === undefined ? [] : [error];
  });
  return { errors, warnings: errors.length > 0 ? [] : modelWarnings(fields) };
}
