import { ModelhubError } from '../errors/modelhub-error.ts';

/** A repository on a registry, named `namespace/name`. */
export interface RepoRef {
  readonly kind: 'repo';
  /** Registry base URL without a trailing slash, when the reference named one. */
  readonly endpoint: string | undefined;
  readonly namespace: string;
  readonly name: string;
  /** Branch, tag, `refs/pr/N` or commit sha, when the reference named one. */
  readonly revision: string | undefined;
}

/** A short name (`resnet`) that a registry resolves to a repository. */
export interface AliasRef {
  readonly kind: 'alias';
  readonly alias: string;
  readonly revision: string | undefined;
}

export type ModelRef = RepoRef | AliasRef;

// Same rules as the Hugging Face Hub: letters, digits, `-`, `_`, `.`; no leading/trailing `-`/`.`, no `--` or `..`.
const SEGMENT = /^(?![-.])(?!.*(?:--|\.\.))[A-Za-z0-9_.-]{1,96}(?<![-.])$/;
const REVISION = /^(?!\/)(?!.*\/\/)(?!.*\.\.)[^\s~^:?*[\\@]{1,255}(?<!\/)$/;

function invalid(input: string, why: string): ModelhubError {
  return new ModelhubError('INVALID_MODEL_REF', `"${input}" is not a model reference: ${why}.`, {
    hint: 'Use namespace/name, namespace/name@revision, a registry URL, or a short alias such as "resnet".',
    details: { input },
  });
}

function checkSegment(input: string, segment: string, what: string): string {
  if (!SEGMENT.test(segment)) {
    throw invalid(input, `"${segment}" is not a valid ${what}`);
  }
  return segment;
}

function checkRevision(input: string, revision: string | undefined): string | undefined {
  if (revision === undefined) {
    return undefined;
  }
  if (!REVISION.test(revision)) {
    throw invalid(input, `"${revision}" is not a valid revision`);
  }
  return revision;
}

function splitRevision(text: string): [string, string | undefined] {
  const at = text.lastIndexOf('@');
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:]+\])(?::\d{1,5})?$/;

function looksLikeHost(segment: string): boolean {
  return HOST.test(segment) && (segment.startsWith('localhost') || /[.:]/.test(segment));
}

/** Parses `https://host[/prefix]/ns/name[/tree|resolve|blob/<rev>[/…]]`, as copied from a browser. */
function parseUrl(input: string): RepoRef {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw invalid(input, 'the URL cannot be parsed');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(input, `the scheme ${url.protocol} is not http or https`);
  }
  const [pathPart, atRevision] = splitRevision(decodeURIComponent(url.pathname));
  const parts = pathPart.split('/').filter((p) => p !== '');
  const marker = parts.findIndex((p, i) => i >= 2 && (p === 'tree' || p === 'resolve' || p === 'blob'));
  const repoEnd = marker === -1 ? parts.length : marker;
  if (repoEnd < 2) {
    throw invalid(input, 'the URL path does not name namespace/name');
  }
  const prefix = parts.slice(0, repoEnd - 2);
  if (prefix[0] === 'models') {
    prefix.shift();
  }
  const namespace = checkSegment(input, parts[repoEnd - 2] ?? '', 'namespace');
  const name = checkSegment(input, parts[repoEnd - 1] ?? '', 'name');
  const treeRevision = marker === -1 ? undefined : parts[marker + 1];
  const endpoint = `${url.protocol}//${url.host}${prefix.length > 0 ? `/${prefix.join('/')}` : ''}`;
  return {
    kind: 'repo',
    endpoint,
    namespace,
    name,
    revision: checkRevision(input, atRevision ?? treeRevision),
  };
}

/**
 * Parses a model reference: `[endpoint/]namespace/name[@revision]`, a full registry URL, or a
 * short alias (`resnet`, `resnet@v2`). An endpoint without a scheme (`hub.example.com/ns/name`)
 * is taken as https, except for loopback hosts, which are taken as http.
 */
export function parseModelRef(input: string): ModelRef {
  const text = input.trim();
  if (text === '') {
    throw invalid(input, 'it is empty');
  }
  if (/^https?:\/\//i.test(text)) {
    return parseUrl(text);
  }
  const [body, revision] = splitRevision(text);
  const parts = body.split('/');
  if (parts.some((p) => p === '')) {
    throw invalid(input, 'it has an empty path segment');
  }
  if (parts.length === 1) {
    return {
      kind: 'alias',
      alias: checkSegment(input, parts[0] ?? '', 'alias'),
      revision: checkRevision(input, revision),
    };
  }
  if (parts.length === 2) {
    return {
      kind: 'repo',
      endpoint: undefined,
      namespace: checkSegment(input, parts[0] ?? '', 'namespace'),
      name: checkSegment(input, parts[1] ?? '', 'name'),
      revision: checkRevision(input, revision),
    };
  }
  const host = parts[0] ?? '';
  if (!looksLikeHost(host)) {
    throw invalid(input, 'it has more than two path segments and does not start with a host name');
  }
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
  return parseUrl(
    `${loopback ? 'http' : 'https'}://${parts.join('/')}${revision === undefined ? '' : `@${revision}`}`,
  );
}

/** `namespace/name` of a repository reference. */
export function repoId(ref: Pick<RepoRef, 'namespace' | 'name'>): string {
  return `${ref.namespace}/${ref.name}`;
}

/** The canonical text form of a reference, which `parseModelRef` reads back to the same value. */
export function formatModelRef(ref: ModelRef): string {
  const rev = ref.revision === undefined ? '' : `@${ref.revision}`;
  if (ref.kind === 'alias') {
    return `${ref.alias}${rev}`;
  }
  return `${ref.endpoint === undefined ? '' : `${ref.endpoint}/`}${repoId(ref)}${rev}`;
}

/** True when `revision` is a full commit sha, which clients may trust without asking the registry. */
export function isCommitSha(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
