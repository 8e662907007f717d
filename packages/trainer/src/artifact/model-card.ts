import { describeViews, modalityOf, type HeadManifest } from '@modelhub/core';

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

/** One candidate as `hub train` records it in `training.selection`. */
interface CandidateRow {
  readonly tap?: unknown;
  readonly pooling?: unknown;
  readonly masked?: unknown;
  readonly views?: unknown;
  readonly padding?: unknown;
  readonly c?: unknown;
  readonly cvAccuracy?: unknown;
  readonly cvLogLoss?: unknown;
  readonly ms?: unknown;
}

/** The cross-validated choice as a short section with every candidate's score (empty without one). */
function selectionSection(manifest: HeadManifest, items: string): string[] {
  const selection = manifest.training['selection'] as
    | { k?: unknown; fallback?: unknown; ms?: unknown; chosen?: CandidateRow; candidates?: unknown }
    | undefined;
  if (selection === undefined || selection.chosen === undefined) {
    return [];
  }
  const rows = Array.isArray(selection.candidates) ? (selection.candidates as CandidateRow[]) : [];
  const c = selection.chosen;
  const cell = (r: CandidateRow): string =>
    `| \`${String(r.tap)}\`${typeof r.views === 'string' ? ` ${r.views}` : ''} | ${String(r.pooling)}${r.masked === true ? ' (masked)' : ''} | ${String(r.padding)} | ${String(r.c)} | ${pct(r.cvAccuracy)} | ${typeof r.cvLogLoss === 'number' ? r.cvLogLoss.toFixed(3) : 'n/a'} | ${typeof r.ms === 'number' ? r.ms.toFixed(0) : 'n/a'} |`;
  const chosenLine =
    `Chosen by ${String(selection.k)}-fold stratified cross-validation on the training ${items} only, ` +
    `then refitted on all of them: \`${String(c.tap)}\`${typeof c.views === 'string' ? ` ${c.views}` : ''}, ${String(c.pooling)} pooling${c.masked === true ? ' over the positions covering the real image' : ''}, ` +
    `${String(c.padding)} padding, C = ${String(c.c)}` +
    (rows.length > 0 ? ` (out of ${rows.length} candidates, in ${String(selection.ms)} ms).` : '.');
  return [
    '## How the features were chosen',
    '',
    chosenLine,
    ...(typeof selection.fallback === 'string' ? ['', `Note: ${selection.fallback}.`] : []),
    '',
    ...(rows.length > 0
      ? [
          '| tap | pooling | padding | C | CV accuracy | CV log-loss | fit ms |',
          '|---|---|---|---|---|---|---|',
          ...rows.map(cell),
          '',
        ]
      : []),
  ];
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
      `tapped at \`${manifest.feature.tensor}\` (${manifest.feature.pooling} pooling${describeViews(manifest.feature)}, ${manifest.feature.dim}-d).`,
    '',
    `- ${manifest.metrics['validationKind'] === 'cross-validated' ? 'cross-validated (out-of-fold) accuracy' : 'validation accuracy'}: **${pct(m.accuracy)}**, macro-F1 ${m.macroF1?.toFixed(3) ?? 'n/a'}, majority-class baseline ${pct(m.baseline)}`,
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
    ...selectionSection(manifest, words.items),
    '## Training data',
    '',
    `| label | ${words.items} |`,
    '|---|---|',
    perClass,
    '',
    manifest.metrics['validationKind'] === 'cross-validated'
      ? 'The confusion matrix of the out-of-fold predictions is in `confusion-matrix.svg`.'
      : 'The confusion matrix of the validation split is in `confusion-matrix.svg`.',
    '',
  ];
  return `${front.join('\n')}\n\n${body.join('\n')}`;
}
