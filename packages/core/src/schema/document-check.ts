/**
 * Hand-written validation of untrusted JSON documents, for the documents every `hub pull` reads
 * (API answers, lockfiles, cache files): a fresh process that loads and builds zod schemas spends
 * ~35–40 ms of CPU (and the garbage it leaves) before its first answer. A reader takes a
 * `DocumentCheck` and the raw value and returns the typed value; each wrong field is recorded as an
 * issue at its path and gets a placeholder, so one pass reports every problem and the result of a
 * document with issues is never used. `documentSchema(read)` gives a reader zod's `safeParse`
 * shape, so callers that take a zod schema take a hand-written one too.
 */

export type DocumentPath = readonly (string | number)[];

/** A wrong field: where (zod's issues fit too, whose paths may hold symbols) and what is wrong. */
export interface DocumentIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export type DocumentResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: { readonly issues: readonly DocumentIssue[] } };

/** What a validator offers, zod's shape: a zod schema is one, and so is `documentSchema(read)`. */
export interface DocumentSchema<T> {
  safeParse(value: unknown): DocumentResult<T>;
}

/** A string rule: the pattern a value must match, and how the issue names it. */
export interface StringRule {
  readonly pattern: RegExp;
  readonly description: string;
}

export const nonEmpty: StringRule = { pattern: /./su, description: 'a non-empty string' };
export const sha1Hex: StringRule = { pattern: /^[0-9a-f]{40}$/, description: '40 lowercase hex digits' };
export const sha256Hex: StringRule = { pattern: /^[0-9a-f]{64}$/, description: '64 lowercase hex digits' };

/** How a wrong value is named in an issue: a number or boolean as it is, anything else by its JSON type. */
function received(value: unknown): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return value === undefined ? 'nothing' : typeof value;
}

export class DocumentCheck {
  readonly issues: DocumentIssue[] = [];

  /** Records an issue, unless the value holding this field was already refused (no echo of it). */
  fail(path: DocumentPath, message: string): void {
    const within = (outer: readonly PropertyKey[]): boolean =>
      outer.length < path.length && outer.every((key, i) => key === path[i]);
    if (!this.issues.some((issue) => within(issue.path))) {
      this.issues.push({ path, message });
    }
  }

  #expected<T>(path: DocumentPath, what: string, value: unknown, placeholder: T): T {
    this.fail(path, `expected ${what}, received ${received(value)}`);
    return placeholder;
  }

  /** A JSON object (not null, not an array); its fields are still unknown. */
  object(value: unknown, path: DocumentPath): Readonly<Record<string, unknown>> {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Readonly<Record<string, unknown>>;
    }
    return this.#expected(path, 'an object', value, {});
  }

  string(value: unknown, path: DocumentPath, rule?: StringRule): string {
    if (typeof value !== 'string') {
      return this.#expected(path, 'a string', value, '');
    }
    if (rule !== undefined && !rule.pattern.test(value)) {
      this.fail(path, `expected ${rule.description}, received ${JSON.stringify(value.slice(0, 80))}`);
    }
    return value;
  }

  number(value: unknown, path: DocumentPath): number {
    return typeof value === 'number' && Number.isFinite(value)
      ? value
      : this.#expected(path, 'a number', value, 0);
  }

  integer(value: unknown, path: DocumentPath): number {
    return Number.isSafeInteger(value) ? (value as number) : this.#expected(path, 'an integer', value, 0);
  }

  /** A size or an offset: an integer ≥ 0. */
  count(value: unknown, path: DocumentPath): number {
    return Number.isSafeInteger(value) && (value as number) >= 0
      ? (value as number)
      : this.#expected(path, 'an integer ≥ 0', value, 0);
  }

  boolean(value: unknown, path: DocumentPath): boolean {
    return typeof value === 'boolean' ? value : this.#expected(path, 'a boolean', value, false);
  }

  /** One of a few allowed values (a format version, an enumeration). */
  oneOf<const L extends string | number>(value: unknown, path: DocumentPath, allowed: readonly L[]): L {
    if ((allowed as readonly unknown[]).includes(value)) {
      return value as L;
    }
    this.fail(
      path,
      `expected ${allowed.map((a) => JSON.stringify(a)).join(' or ')}, received ${JSON.stringify(value) ?? 'nothing'}`,
    );
    return allowed[0] as L;
  }

  /** A JSON array, each item read by `read` at its index. */
  items<T>(value: unknown, path: DocumentPath, read: (item: unknown, path: DocumentPath) => T): T[] {
    if (!Array.isArray(value)) {
      return this.#expected(path, 'an array', value, []);
    }
    return value.map((item: unknown, i) => read(item, [...path, i]));
  }

  /** A JSON object used as a map, each value read by `read` at its key. */
  entries<T>(
    value: unknown,
    path: DocumentPath,
    read: (item: unknown, path: DocumentPath) => T,
  ): Record<string, T> {
    return Object.fromEntries(
      Object.entries(this.object(value, path)).map(([key, item]) => [key, read(item, [...path, key])]),
    );
  }
}

/** `read(value)` undefined when the field is absent. */
export function optional<T>(value: unknown, read: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : read(value);
}

/** `read(value)` undefined when the field is absent, null when it is null. */
export function nullish<T>(value: unknown, read: (value: unknown) => T): T | null | undefined {
  return value === null ? null : optional(value, read);
}

/** A validator with zod's `safeParse` shape over a reader. */
export function documentSchema<T>(read: (check: DocumentCheck, value: unknown) => T): DocumentSchema<T> {
  return {
    safeParse(value: unknown): DocumentResult<T> {
      const check = new DocumentCheck();
      const data = read(check, value);
      return check.issues.length === 0
        ? { success: true, data }
        : { success: false, error: { issues: check.issues } };
    },
  };
}

/** The first issues of a failed check, one line each (`models.a.commit: expected …`), for error details. */
export function describeIssues(issues: readonly DocumentIssue[]): string[] {
  return issues.slice(0, 5).map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
}
