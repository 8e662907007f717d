import { createHash } from 'node:crypto';

/**
 * The format of the recorded huggingface_hub request sequences (scripts/record-python-client.ts
 * writes them, python-client-replay.test.ts replays them), and the two halves that share it:
 * scrubbing a live recording into a fixture, and matching a live response against a fixture.
 *
 * Values that differ from run to run are written as placeholders:
 * - `{{endpoint}}`: the registry's base URL;
 * - `{{token:alice}}`: the access token of a test user (alice, bob, carol);
 * - `{{commit:N}}`: the N-th commit sha the sequence met (commit shas hash their timestamps); the
 *   first response that carries one binds it, later requests send the bound value;
 * - `{{upload:N}}`: the N-th signed LFS upload token, bound the same way;
 * - `{{time}}`: any ISO-8601 timestamp; `{{objectid}}`: any 24-hex opaque id (both unbound).
 * Binary request bodies are written as `{"pattern": {"first", "size"}}` (byte i is
 * `first + 7·i mod 256`, the content scripts/python-client/scenarios.py uploads) or base64.
 */

/** A request or response body in a fixture. */
export type RecordedBody =
  | { readonly json: unknown }
  | { readonly text: string }
  | { readonly pattern: { readonly first: number; readonly size: number } }
  | { readonly base64: string }
  | { readonly sha256: string; readonly size: number };

/** One request the client sent and what the registry answered. */
export interface Exchange {
  readonly request: {
    readonly method: string;
    /** Path and query, as sent. */
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: RecordedBody;
  };
  readonly response: {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: RecordedBody;
  };
}

/** One recorded scenario of one client generation. */
export interface Recording {
  readonly client: string;
  readonly scenario: string;
  /** The registry options the recording ran with (the replay uses the same). */
  readonly registryOptions: Readonly<Record<string, number>>;
  readonly exchanges: readonly Exchange[];
}

/** Request headers worth keeping: what the registry reads. */
export const keptRequestHeaders = ['authorization', 'content-type', 'accept', 'range'];

/** Response headers the Python client reads (hub-protocol.md §1–§9). */
export const keptResponseHeaders = [
  'content-type',
  'etag',
  'x-repo-commit',
  'x-linked-etag',
  'x-linked-size',
  'location',
  'link',
  'content-range',
  'x-error-code',
  'x-error-message',
];

const textTypes = /^(application\/(json|x-ndjson|x-www-form-urlencoded|vnd\.git-lfs\+json)|text\/)/;
const isoTime = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
const objectId = /^[abc][0-9a-f]{23}$/;

/** Stores a body in its most readable faithful form. */
export function recordBody(
  contentType: string | undefined,
  bytes: Buffer,
  keepBinary: boolean,
): RecordedBody | undefined {
  if (bytes.byteLength === 0) {
    return undefined;
  }
  const type = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (textTypes.test(type)) {
    const text = bytes.toString('utf8');
    if (/json$/.test(type)) {
      try {
        return { json: JSON.parse(text) as unknown };
      } catch {
        return { text };
      }
    }
    return { text };
  }
  if (!keepBinary) {
    return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength };
  }
  const first = bytes[0] ?? 0;
  if (bytes.every((byte, i) => byte === ((first + 7 * i) & 0xff))) {
    return { pattern: { first, size: bytes.byteLength } };
  }
  if (bytes.byteLength > 64 * 1024) {
    throw new Error(
      `A ${bytes.byteLength}-byte binary body is neither a pattern nor small; keep fixtures small.`,
    );
  }
  return { base64: bytes.toString('base64') };
}

/** The bytes a recorded request body stands for. */
export function bodyBytes(body: RecordedBody, substitute: (text: string) => string): Buffer {
  if ('json' in body) {
    return Buffer.from(JSON.stringify(mapStrings(body.json, substitute)));
  }
  if ('text' in body) {
    return Buffer.from(substitute(body.text));
  }
  if ('pattern' in body) {
    const { first, size } = body.pattern;
    return Buffer.from(Array.from({ length: size }, (_, i) => (first + 7 * i) & 0xff));
  }
  if ('base64' in body) {
    return Buffer.from(body.base64, 'base64');
  }
  throw new Error('A request body recorded as a digest cannot be replayed.');
}

/** Applies `f` to every string inside a JSON value (keys stay). */
export function mapStrings(value: unknown, f: (text: string) => string): unknown {
  if (typeof value === 'string') {
    return f(value);
  }
  if (Array.isArray(value)) {
    return value.map((item) => mapStrings(item, f));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  }
  return value;
}

function collectCommits(value: unknown, key: string | undefined, into: string[]): void {
  if (typeof value === 'string') {
    const sha = /^[0-9a-f]{40}$/.test(value) ? value : /\/commit\/([0-9a-f]{40})$/.exec(value)?.[1];
    if (
      sha !== undefined &&
      (key === 'sha' || key === 'commitOid' || key === 'targetCommit' || key === 'id' || key === 'commitUrl')
    ) {
      into.push(sha);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item) => collectCommits(item, key, into));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      collectCommits(v, k, into);
    }
  }
}

/**
 * Turns a live recording into a fixture: the endpoint, tokens, commit shas, upload tokens,
 * timestamps and opaque ids become placeholders (see the module comment).
 */
export function scrub(
  exchanges: readonly Exchange[],
  endpoint: string,
  tokens: Readonly<Record<string, string>>,
): Exchange[] {
  const commits: string[] = [];
  const uploads: string[] = [];
  for (const { response } of exchanges) {
    const header = response.headers['x-repo-commit'];
    if (header !== undefined) {
      commits.push(header);
    }
    if (response.body !== undefined && 'json' in response.body) {
      collectCommits(response.body.json, undefined, commits);
      const text = JSON.stringify(response.body.json);
      for (const match of text.matchAll(/\/api\/lfs\/(?:upload|verify)\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)) {
        uploads.push(match[1] ?? '');
      }
    }
  }
  const commitIds = [...new Set(commits)];
  const uploadIds = [...new Set(uploads)];
  const replaceAll = (text: string): string => {
    let out = text.split(endpoint).join('{{endpoint}}');
    for (const [user, token] of Object.entries(tokens)) {
      out = out.split(token).join(`{{token:${user}}}`);
    }
    commitIds.forEach((sha, i) => {
      out = out.split(sha).join(`{{commit:${i + 1}}}`);
    });
    uploadIds.forEach((token, i) => {
      out = out.split(token).join(`{{upload:${i + 1}}}`);
    });
    return objectId.test(out) ? '{{objectid}}' : out.replace(isoTime, '{{time}}');
  };
  const scrubBody = (body: RecordedBody): RecordedBody => {
    if ('json' in body) {
      return { json: mapStrings(body.json, replaceAll) };
    }
    return 'text' in body ? { text: replaceAll(body.text) } : body;
  };
  const scrubHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, replaceAll(v)]));
  return exchanges.map(({ request, response }) => ({
    request: {
      method: request.method,
      url: replaceAll(request.url),
      headers: scrubHeaders(request.headers),
      ...(request.body === undefined ? {} : { body: scrubBody(request.body) }),
    },
    response: {
      status: response.status,
      headers: scrubHeaders(response.headers),
      ...(response.body === undefined ? {} : { body: scrubBody(response.body) }),
    },
  }));
}

/** Placeholder values bound while a sequence replays. */
export class Bindings {
  readonly #values = new Map<string, string>();

  constructor(initial: Readonly<Record<string, string>>) {
    for (const [name, value] of Object.entries(initial)) {
      this.#values.set(name, value);
    }
  }

  /** A recorded request string with every placeholder replaced by its bound value. */
  substitute(text: string): string {
    return text.replace(/\{\{([a-z]+(?::[a-z0-9]+)?)\}\}/g, (whole, name: string) => {
      const value = this.#values.get(name);
      if (value === undefined) {
        throw new Error(`${whole} is used before any response bound it`);
      }
      return value;
    });
  }

  /**
   * Whether a live string matches a recorded one; unbound `{{commit:N}}` / `{{upload:N}}`
   * placeholders bind to what they match.
   */
  matches(recorded: string, actual: string): boolean {
    const names: string[] = [];
    const pattern = recorded
      .split(/(\{\{[a-z]+(?::[a-z0-9]+)?\}\})/)
      .map((part) => {
        const name = /^\{\{(.+)\}\}$/.exec(part)?.[1];
        if (name === undefined) {
          return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        }
        if (name === 'time') {
          return '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z';
        }
        if (name === 'objectid') {
          return '[abc][0-9a-f]{23}';
        }
        const bound = this.#values.get(name);
        if (bound !== undefined) {
          return bound.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        }
        names.push(name);
        return name.startsWith('commit:') ? '([0-9a-f]{40})' : '([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)';
      })
      .join('');
    const match = new RegExp(`^${pattern}$`).exec(actual);
    if (match === null) {
      return false;
    }
    names.forEach((name, i) => {
      const value = match[i + 1] ?? '';
      const earlier = this.#values.get(name);
      if (earlier === undefined) {
        this.#values.set(name, value);
      }
    });
    return true;
  }

  /**
   * The differences between a recorded JSON value and a live one: every recorded key must be
   * there with a matching value (the live answer may carry more keys); arrays match item by item.
   */
  differences(recorded: unknown, actual: unknown, at = '$'): string[] {
    if (typeof recorded === 'string') {
      return typeof actual === 'string' && this.matches(recorded, actual)
        ? []
        : [`${at}: expected ${JSON.stringify(recorded)}, got ${JSON.stringify(actual)}`];
    }
    if (Array.isArray(recorded)) {
      if (!Array.isArray(actual) || actual.length !== recorded.length) {
        return [`${at}: expected ${recorded.length} items, got ${JSON.stringify(actual)}`];
      }
      return recorded.flatMap((item, i) => this.differences(item, actual[i], `${at}[${i}]`));
    }
    if (typeof recorded === 'object' && recorded !== null) {
      if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
        return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
      }
      const live = actual as Record<string, unknown>;
      return Object.entries(recorded).flatMap(([key, value]) =>
        key in live ? this.differences(value, live[key], `${at}.${key}`) : [`${at}.${key}: missing`],
      );
    }
    return recorded === actual
      ? []
      : [`${at}: expected ${JSON.stringify(recorded)}, got ${JSON.stringify(actual)}`];
  }
}
