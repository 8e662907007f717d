import { modalityOf, type HeadManifest } from '@modelhub/core';

/** Per modality: the Hub's dataset type, what one example is called, and an example input file. */
const modalityWords = {
  image: { dataset: 'imagefolder', items: 'images', example: 'image.png' },
  text: { dataset: 'text', items: 'texts', example: 'message.txt' },
  audio: { dataset: 'audiofolder', items: 'clips', example: 'clip.wav' },
} as const;

const yamlString = (s: string): string => JSON.stringify(s);

function pct(x: unknown): string {
  return typeof x === 'number' ? `${(100 * x).toFixed(1)}%` : 'n/a';
}

/** Validation metric numbers the card shows, read defensively from the manifest's metrics record. */
function valMetrics(manifest: HeadManifest): { accuracy?: number; macroF1?: number; baseline?: number } {
  const v = manifest.metrics['validation'] as
    { accuracy?: unknown; macroF1?: unknown; majorityBaseline?: { accuracy?: unknown } } | undefined;
  const out: { accuracy?: number; macroF1?: number; baseline?: number } = {};
  if (typeof v?.accuracy === 'number') {
    out.accuracy = v.accuracy;
  }
  if (typeof v?.macroF1 === 'number') {
    out.macroF1 = v.macroF1;
  }
  if (typeof v?.majorityBaseline?.accuracy === 'number') {
    out.baseline = v.majorityBaseline.accuracy;
  }
  return out;
}

/** Where the base model can be seen: its registry page, or the local folder it was read from. */
function baseLink(manifest: HeadManifest): string {
  const endpoint = manifest.base.endpoint.replace(/\/+$/, '');
  return endpoint.startsWith('file:') ? endpoint : `${endpoint}/${manifest.base.repo}`;
}

/**
 * The head's `README.md`: a Hugging Face model card whose YAML front matter names the base model,
 * the library, tags and the validation metrics (also as a `model-index`), then a human summary.
 */
export function renderModelCard(manifest: HeadManifest, name: string): string {
  const m = valMetrics(manifest);
  const metricLines: string[] = [];
  if (m.accuracy !== undefined) {
    metricLines.push(
      '          - type: accuracy',
      `            value: ${m.accuracy}`,
      '            name: Validation accuracy',
    );
  }
  if (m.macroF1 !== undefined) {
    metricLines.push(
      '          - type: f1',
      `            value: ${m.macroF1}`,
      '            name: Validation macro-F1',
    );
  }
  const words = modalityWords[modalityOf(manifest.preprocessing)];
  const front = [
    '---',
    `base_model: ${yamlString(manifest.base.repo)}`,
    'library_name: onnx',
    `pipeline_tag: ${manifest.task}`,
    'tags:',
    '  - modelhub',
    '  - modelhub-head',
    `  - ${manifest.task}`,
    '  - transfer-learning',
    `  - ${manifest.head.type === 'linear' ? 'softmax-regression' : 'mlp'}`,
    'metrics:',
    '  - accuracy',
    '  - f1',
    'model-index:',
    `  - name: ${yamlString(name)}`,
    '    results:',
    '      - task:',
    `          type: ${manifest.task}`,
    '        dataset:',
    `          name: ${yamlString(`local dataset ${manifest.dataset.manifestSha256.slice(0, 12)}`)}`,
    `          type: ${words.dataset}`,
    '          split: validation',
    ...(metricLines.length > 0 ? ['        metrics:', ...metricLines] : ['        metrics: []']),
    '---',
  ];
  const perClass = Object.entries(manifest.dataset.perClass)
    .map(([label, n]) => `| ${label.replace(/\|/g, '\\|')} | ${n} |`)
    .join('\n');
  const body = [
    `# ${name}`,
    '',
    `A ${manifest.head.type === 'linear' ? 'softmax-regression' : `MLP (${manifest.head.hidden.join('→')} ReLU)`} head over the frozen features of ` +
      `[${manifest.base.repo}](${baseLink(manifest)}) at commit \`${manifest.base.commit}\`, ` +
      `tapped at \`${manifest.feature.tensor}\` (${manifest.feature.pooling} pooling, ${manifest.feature.dim}-d).`,
    '',
    `- validation accuracy: **${pct(m.accuracy)}**, macro-F1 ${m.macroF1?.toFixed(3) ?? 'n/a'}, majority-class baseline ${pct(m.baseline)}`,
    `- labels (${manifest.labels.length}): ${manifest.labels.join(', ')}`,
    `- dataset manifest sha256: \`${manifest.dataset.manifestSha256}\``,
    `- seed: ${String(manifest.training['seed'])}`,
    '',
    '## Use',
    '',
    '```',
    `hub predict ./this-head ${words.example}`,
    '```',
    '',
    '```ts',
    `const clf = await fromPretrained('<namespace>/<this-repo>');`,
    '```',
    '',
    "`head.onnx` takes the backbone's feature vectors (`features [N," +
      `${manifest.feature.dim}]\`) and returns \`logits\` and \`probs\`; the preprocessing and feature tap in ` +
      '`modelhub.json` must be applied exactly. The base model is pinned by commit and by the sha256 of every file.',
    '',
    '## Training data',
    '',
    `| label | ${words.items} |`,
    '|---|---|',
    perClass,
    '',
    'The confusion matrix of the validation split is in `confusion-matrix.svg`.',
    '',
  ];
  return `${front.join('\n')}\n\n${body.join('\n')}`;
}
