import { describe, expect, it } from 'vitest';

import { validateCard } from './card-validation.ts';

describe('validateCard', () => {
  it('accepts a README without metadata and a well-formed model card', () => {
    expect(validateCard('# Title\n')).toEqual({ errors: [], warnings: [] });
    expect(
      validateCard(
        '---\nlicense: apache-2.0\nlibrary_name: onnx\npipeline_tag: image-classification\ntags:\n  - vision\nbase_model: modelhub/mobilenet-v2\nmodel-index:\n  - name: head\n---\n# x\n',
      ),
    ).toEqual({ errors: [], warnings: [] });
  });

  it('refuses malformed YAML, an unclosed block and metadata that is not a mapping', () => {
    const broken = validateCard('---\nlicense: mit\ntags: [vision\n---\n# x\n');
    expect(broken.errors).toHaveLength(1);
    expect(broken.errors[0]).toMatch(/^Invalid YAML in the metadata \(README\.md line \d+\)/);
    expect(validateCard('---\nlicense: mit\nlicense: apache-2.0\n---\n').errors[0]).toMatch(/Invalid YAML/);
    expect(validateCard('---\nlicense: mit\n# no closing line\n').errors[0]).toMatch(/never closed/);
    expect(validateCard('---\n- a\n- b\n---\n').errors).toEqual([
      'The metadata must be a YAML mapping of fields (key: value).',
    ]);
  });

  it('refuses well-known fields of the wrong type', () => {
    expect(validateCard('---\nlicense: [mit]\ntags:\n  a: b\nmodel-index: x\n---\n').errors).toEqual([
      '"license" must be a string',
      '"tags" must be a string or a list of strings',
      '"model-index" must be a list',
    ]);
  });

  it('warns about unknown licenses and tasks, misspelt keys and odd values', () => {
    expect(
      validateCard(
        '---\nlicense: my-own\npipeline_tag: image-clasification\ntags: vision\nbase_model: mobilenet\nlicence: mit\npipeline-tag: x\n---\n',
      ).warnings,
    ).toEqual([
      '"license" is "my-own", which is not a license id the Hub knows; use "other" with "license_name" and "license_link".',
      '"pipeline_tag" is "image-clasification", which is not a task the Hub knows.',
      '"tags" should be a list of strings, not one string.',
      '"base_model" should name a repo as namespace/name, not "mobilenet".',
      '"licence" is not a field the Hub reads; did you mean "license"?',
      '"pipeline-tag" is not a field the Hub reads; did you mean "pipeline_tag"?',
    ]);
    expect(validateCard('---\n---\n').warnings).toEqual(['The metadata block is empty.']);
  });

  it('checks only the YAML itself for datasets and spaces', () => {
    expect(validateCard('---\nlicense: [mit]\n---\n', 'dataset')).toEqual({ errors: [], warnings: [] });
    expect(validateCard('---\nlicense: [mit\n---\n', 'dataset').errors).toHaveLength(1);
  });
});
