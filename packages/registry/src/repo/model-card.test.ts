import { describe, expect, it } from 'vitest';

import { discoveryOf, parseCardData } from './model-card.ts';

describe('parseCardData', () => {
  it('reads the front matter model cards use', () => {
    const card = parseCardData(`---
library_name: onnx
license: "apache-2.0"
pipeline_tag: image-classification
tags:
  - vision
  - 'ocr'
datasets: [mnist, imagenet-1k]
base_model: modelhub/mobilenet-v2  # the backbone
metrics:
  accuracy: 0.93
model-index:
  - name: digits-head
    results:
      - task:
          type: image-classification
description: |
  two lines
  of text
private: false
---

# Title
`);
    expect(card).toEqual({
      library_name: 'onnx',
      license: 'apache-2.0',
      pipeline_tag: 'image-classification',
      tags: ['vision', 'ocr'],
      datasets: ['mnist', 'imagenet-1k'],
      base_model: 'modelhub/mobilenet-v2',
      metrics: { accuracy: 0.93 },
      'model-index': [{ name: 'digits-head', results: [{ task: { type: 'image-classification' } }] }],
      // A literal block keeps its final line break (YAML's default chomping).
      description: 'two lines\nof text\n',
      private: false,
    });
  });

  it('returns null without front matter and {} for an empty one', () => {
    expect(parseCardData('# just a title\n')).toBeNull();
    expect(parseCardData('---\n---\n# x')).toEqual({});
  });
});

describe('discoveryOf', () => {
  it('derives the Hub tags from the card', () => {
    expect(
      discoveryOf({
        library_name: 'tfjs',
        pipeline_tag: 'image-classification',
        tags: ['vision'],
        license: 'mit',
        base_model: ['modelhub/mobilenet-v2'],
        datasets: 'mnist',
      }),
    ).toEqual({
      libraryName: 'tfjs',
      pipelineTag: 'image-classification',
      tags: [
        'vision',
        'tfjs',
        'image-classification',
        'license:mit',
        'base_model:modelhub/mobilenet-v2',
        'dataset:mnist',
      ],
    });
    expect(discoveryOf(null)).toEqual({ libraryName: null, pipelineTag: null, tags: [] });
  });
});
