import { describeViews, exampleNoun, modalityOf, validationMetrics } from '@modelhub/core';

import type { Repo } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { safeUrl } from '../html/safe-url.ts';
import { formatCount, percent, shortSha, timeTag } from './format.ts';
import { privateBadge } from './repo-list.ts';
import type { HeadView } from './head-view.ts';

function fixed(x: number | undefined, digits = 3): string {
  return x === undefined ? 'n/a' : x.toFixed(digits);
}

function baseSection(view: HeadView): SafeHtml {
  const { base } = view;
  const external = safeUrl(`${base.endpoint.replace(/\/+$/, '')}/${base.repo}`);
  const repoLink = base.local
    ? html`<a href="/${base.repo}">${base.repo}</a>`
    : external === undefined
      ? html`<span>${base.repo}</span>`
      : html`<a href="${external}" rel="nofollow noopener noreferrer">${base.repo}</a> (on ${base.endpoint})`;
  const revision = base.local
    ? html`<a href="/${base.repo}/commit/${base.commit}"><code>${base.commit}</code></a>`
    : html`<code>${base.commit}</code>`;
  const moved =
    base.currentMain !== undefined && base.currentMain !== base.commit
      ? html`<p class="warning base-moved" role="note">
          <strong>The base model has moved since this head was trained:</strong> its main branch is now at
          <a href="/${base.repo}/commit/${base.currentMain}"><code>${shortSha(base.currentMain)}</code></a
          >. The head stays pinned to <code>${shortSha(base.commit)}</code>, and fromPretrained pulls that
          revision.
        </p>`
      : html``;
  return html`<section aria-labelledby="base-title">
    <h2 id="base-title">Base model</h2>
    <dl class="facts">
      <dt>Model</dt>
      <dd>${repoLink}</dd>
      <dt>Revision trained on</dt>
      <dd>${revision}</dd>
      <dt>Feature tap</dt>
      <dd>
        <code>${view.manifest.feature.tensor}</code> (${view.manifest.feature.pooling}
        pooling${describeViews(view.manifest.feature)}, ${view.manifest.feature.dim}-d)
      </dd>
      <dt>Files pinned</dt>
      <dd>${view.manifest.base.files.length} (by sha256)</dd>
    </dl>
    ${moved}
  </section>`;
}

function metricsSection(view: HeadView): SafeHtml {
  const m = validationMetrics(view.manifest);
  return html`<section aria-labelledby="metrics-title">
    <h2 id="metrics-title">Validation metrics</h2>
    <table class="metrics">
      <caption>
        ${
          m.kind.method === 'cross-validated'
            ? html`Out-of-fold scores of hub train’s${m.kind.k === undefined ? '' : ` ${m.kind.k}-fold`}
              cross-validation on the training
              data${m.count !== undefined && html` (${formatCount(m.count)} examples)`}; the head was then
              refitted on all of it`
            : html`Measured on the validation split held out by hub
              train${m.count !== undefined && html` (${formatCount(m.count)} examples)`}`
        }
      </caption>
      <thead>
        <tr>
          <th scope="col">metric</th>
          <th scope="col" class="num">value</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">accuracy</th>
          <td class="num">${m.accuracy === undefined ? 'n/a' : percent(m.accuracy)}</td>
        </tr>
        <tr>
          <th scope="row">macro-F1</th>
          <td class="num">${fixed(m.macroF1)}</td>
        </tr>
        <tr>
          <th scope="row">log-loss</th>
          <td class="num">${fixed(m.logLoss)}</td>
        </tr>
        <tr>
          <th scope="row">majority-class baseline</th>
          <td class="num">
            ${m.baseline === undefined ? 'n/a' : html`${percent(m.baseline.accuracy)} (always “${m.baseline.label}”)`}
          </td>
        </tr>
      </tbody>
    </table>
    ${m.warnings.map((w) => html`<p class="warning" role="note">${w}</p>`)}
    ${
      m.perClass.length > 0 &&
      html`<table class="per-class">
        <caption>
          Per-class scores
        </caption>
        <thead>
          <tr>
            <th scope="col">label</th>
            <th scope="col" class="num">precision</th>
            <th scope="col" class="num">recall</th>
            <th scope="col" class="num">F1</th>
            <th scope="col" class="num">support</th>
          </tr>
        </thead>
        <tbody>
          ${m.perClass.map(
            (c) =>
              html`<tr>
                <th scope="row">${c.label}</th>
                <td class="num">${fixed(c.precision)}</td>
                <td class="num">${fixed(c.recall)}</td>
                <td class="num">${fixed(c.f1)}</td>
                <td class="num">${formatCount(c.support)}</td>
              </tr>`,
          )}
        </tbody>
      </table>`
    }
    ${
      view.confusionUrl !== undefined &&
      html`<figure class="confusion">
        <img
          src="${view.confusionUrl}"
          alt="Confusion matrix of the validation split: true labels down, predicted labels across"
        />
        <figcaption>
          Confusion matrix written by hub train (<a href="${view.confusionUrl}">SVG</a>).
        </figcaption>
      </figure>`
    }
  </section>`;
}

/**
 * A recipe value in words: a scalar as it is, a record as its fields, a list of records by its
 * length. `hub train` records its whole cross-validation (every candidate's scores) under
 * `selection`, which the model card tables; as JSON it filled the page with braces.
 */
function value(v: unknown, nested = false): string {
  if (v === null || typeof v !== 'object') {
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
  if (Array.isArray(v)) {
    return v.some((item) => item !== null && typeof item === 'object')
      ? `${v.length} entries`
      : v.map((item) => value(item, true)).join(', ');
  }
  const fields = Object.entries(v)
    .filter(([, field]) => field !== undefined)
    .map(([k, field]) => `${k} ${value(field, true)}`);
  return nested ? `(${fields.join(', ')})` : fields.join('; ');
}

/** The recorded self-check in one line: the probe's top label and its probability. */
function probeSummary(
  labels: readonly string[],
  check: NonNullable<HeadView['manifest']['check']>,
): SafeHtml {
  const top = check.probabilities.reduce(
    (best, p, i) => (p > (check.probabilities[best] ?? -1) ? i : best),
    0,
  );
  return html`recorded with <code>${check.probe}</code> (its top label “${labels[top] ?? String(top)}” at
    ${(check.probabilities[top] ?? 0).toFixed(3)}); hub predict and fromPretrained compare features and
    probabilities on every load`;
}

function recipeSection(view: HeadView): SafeHtml {
  const { manifest } = view;
  const examples = `${exampleNoun(modalityOf(manifest.preprocessing))}s`;
  // The head's type and hidden sizes are shown on their own line above.
  const entries = Object.entries(manifest.training).filter(([k]) => k !== 'head' && k !== 'hidden');
  return html`<section aria-labelledby="labels-title">
      <h2 id="labels-title">Labels (${manifest.labels.length})</h2>
      <ol class="labels">
        ${manifest.labels.map((l) => html`<li>${l} <span class="muted">(${formatCount(manifest.dataset.perClass[l] ?? 0)} ${examples})</span></li>`)}
      </ol>
    </section>
    <section aria-labelledby="recipe-title">
      <h2 id="recipe-title">Training recipe</h2>
      <dl class="facts">
        <dt>head</dt>
        <dd>
          ${manifest.head.type}${manifest.head.hidden.length > 0 && ` (hidden ${manifest.head.hidden.join('→')})`},
          <code>${manifest.head.file}</code>
        </dd>
        ${
          manifest.tail !== undefined &&
          html`<dt>fine-tuned layers</dt>
            <dd>${manifest.tail.trainedLayers.join(', ')}</dd>`
        }
        ${entries.map(
          ([k, v]) =>
            html`<dt>${k}</dt>
              <dd>${value(v)}</dd>`,
        )}
        <dt>self-check</dt>
        <dd>
          ${
            manifest.check === undefined
              ? html`none recorded (a head made before the self-check existed)`
              : probeSummary(manifest.labels, manifest.check)
          }
        </dd>
        <dt>dataset manifest sha256</dt>
        <dd><code>${manifest.dataset.manifestSha256}</code></dd>
        <dt>created</dt>
        <dd>${timeTag(manifest.createdAt)} by ${manifest.createdBy}</dd>
      </dl>
    </section>`;
}

/** A head's extras: base model and revision (warning if it moved), metrics, confusion matrix, labels, recipe. */
export function headPanel(view: HeadView): SafeHtml {
  return html`<div class="head-panel">
    ${baseSection(view)}${metricsSection(view)}${recipeSection(view)}
  </div>`;
}

/** One head trained on a backbone, as the backbone's page lists it. */
export interface HeadSummary {
  readonly repo: Repo;
  readonly classes: number | undefined;
  readonly accuracy: number | undefined;
  readonly baseCommit: string | undefined;
}

/** The backbone's "Heads trained on this model" table. */
export function headsList(
  heads: readonly HeadSummary[],
  total: number,
  backboneId: string,
  currentMain: string,
): SafeHtml {
  return html`<section aria-labelledby="heads-title">
    <h2 id="heads-title">Heads trained on this model (${formatCount(total)})</h2>
    ${
      heads.length === 0
        ? html`<p class="muted">
            No head trained on this model is visible to you yet. Train one with
            <code>hub train --base ${backboneId}</code>.
          </p>`
        : html`<table class="heads">
            <thead>
              <tr>
                <th scope="col">head</th>
                <th scope="col" class="num">classes</th>
                <th scope="col" class="num">accuracy</th>
                <th scope="col">trained on</th>
                <th scope="col">updated</th>
              </tr>
            </thead>
            <tbody>
              ${heads.map((h) => {
                const id = `${h.repo.namespace}/${h.repo.name}`;
                return html`<tr>
                  <th scope="row"><a href="/${id}">${id}</a> ${privateBadge(h.repo)}</th>
                  <td class="num">${h.classes ?? 'n/a'}</td>
                  <td class="num">${h.accuracy === undefined ? 'n/a' : percent(h.accuracy)}</td>
                  <td>
                    ${
                      h.baseCommit === undefined
                        ? 'n/a'
                        : html`<a href="/${backboneId}/commit/${h.baseCommit}"
                              ><code>${shortSha(h.baseCommit)}</code></a
                            >${h.baseCommit === currentMain ? ' (current)' : ' (older revision)'}`
                    }
                  </td>
                  <td>${timeTag(h.repo.lastModified)}</td>
                </tr>`;
              })}
            </tbody>
          </table>`
    }
    ${total > heads.length && html`<p><a href="/models?kind=head&amp;base=${encodeURIComponent(backboneId)}">All ${formatCount(total)} heads</a></p>`}
  </section>`;
}
