import { resolveClientConfig } from '@modelhub/client';
import {
  describeViews,
  exampleNoun,
  modalityOf,
  validationMetrics,
  type HeadManifest,
  type Modality,
} from '@modelhub/core';

import type { ResolvedModel } from '../adapters/resolve-model.ts';
import { clientOptionsFrom } from '../context/client-context.ts';
import { loadHead } from '../library/head-base.ts';
import { percent, type HeadSelfCheck } from '../library/head-check.ts';
import type { GlobalOptions } from '../program.ts';

/** What `hub inspect` says of a trained head (the JSON document of `--json`). */
export interface HeadInspection {
  readonly kind: 'head';
  readonly model: string;
  readonly dir: string;
  readonly task: HeadManifest['task'];
  readonly modality: Modality;
  readonly labels: readonly string[];
  readonly head: HeadManifest['head'];
  readonly base: {
    readonly endpoint: string;
    readonly repo: string;
    readonly commit: string;
    readonly files: number;
  };
  readonly feature: HeadManifest['feature'];
  readonly validation: { readonly kind: string; readonly count?: number; readonly accuracy?: number };
  /** The self-check run here against the one recorded at training; `recorded: false` for older heads. */
  readonly selfCheck: { readonly recorded: false } | ({ readonly recorded: true } & HeadSelfCheck);
}

/**
 * Inspects a head folder the way `hub predict` would load it: its base model pulled at the pinned
 * commit and verified, then the self-check run on this machine. Inspecting `head.onnx` as if it were
 * a backbone only said that it takes no image.
 */
export async function inspectHead(resolved: ResolvedModel, global: GlobalOptions): Promise<HeadInspection> {
  const options = clientOptionsFrom(global);
  const pulled = resolved.modelId !== resolved.dir;
  const loaded = await loadHead(
    resolved.dir,
    pulled ? resolveClientConfig(options).endpoint : undefined,
    options,
  );
  await loaded.extractor.dispose();
  const { manifest, check } = loaded;
  const validation = validationMetrics(manifest);
  return {
    kind: 'head',
    model: resolved.modelId,
    dir: resolved.dir,
    task: manifest.task,
    modality: modalityOf(manifest.preprocessing),
    labels: manifest.labels,
    head: manifest.head,
    base: {
      endpoint: manifest.base.endpoint,
      repo: manifest.base.repo,
      commit: manifest.base.commit,
      files: manifest.base.files.length,
    },
    feature: manifest.feature,
    validation: {
      // As recorded: `none` too (a class of one example leaves nothing to validate on).
      kind:
        typeof manifest.metrics['validationKind'] === 'string'
          ? manifest.metrics['validationKind']
          : validation.kind.method,
      ...(validation.count === undefined ? {} : { count: validation.count }),
      ...(validation.accuracy === undefined ? {} : { accuracy: validation.accuracy }),
    },
    selfCheck: check === undefined ? { recorded: false } : { recorded: true, ...check },
  };
}

/** The head inspection for people. */
export function formatHeadInspection(r: HeadInspection): string {
  const examples = `${exampleNoun(r.modality)}s`;
  const f = r.feature;
  const v = r.validation;
  const check = r.selfCheck;
  const lines = [
    `head      ${r.model}`,
    `task      ${r.task}: ${r.labels.length} labels (${r.labels.join(', ')})`,
    `layers    ${r.head.type}${r.head.hidden.length > 0 ? ` (hidden ${r.head.hidden.join('→')})` : ''}, ${r.head.normalize === 'l2' ? 'L2-normalized input, ' : ''}${r.head.file}`,
    `base      ${r.base.repo}@${r.base.commit.slice(0, 12)} on ${r.base.endpoint} (${r.base.files} files pinned by sha256, verified)`,
    `feature   ${f.tensor}, ${f.pooling} pooling${f.mask === undefined ? '' : ' over the real part of each input'}${describeViews(f)}, ${f.dim}-d`,
    `metrics   ${v.accuracy === undefined ? 'none recorded' : `accuracy ${v.accuracy.toFixed(3)}`}${v.count === undefined ? '' : ` on ${v.count} ${examples} (${v.kind})`}`,
    check.recorded
      ? check.same
        ? `check     self-check passes here: features ${percent(check.featureDrift)} and probabilities ${check.probabilityDrift.toFixed(4)} from training`
        : `check     ${check.warning ?? ''}`
      : 'check     no self-check recorded (a head made before it existed)',
  ];
  return `${lines.join('\n')}\n`;
}
