import pg from 'pg';

import { ModelhubError } from '@modelhub/core';

import type {
  AccessToken,
  Account,
  Alias,
  Commit,
  Ref,
  Repo,
  RepoFilter,
  RepoQuery,
  RepoType,
  TreeFile,
  WebSession,
} from '../../domain/types.ts';
import { branchMoved, branchNotFound, objectNotVerified, repoAlreadyExists } from '../metadata-errors.ts';
import type {
  BlobRecord,
  PreparedCommit,
  CommitWrite,
  MetadataStore,
  PendingUpload,
} from '../metadata-store.ts';
import { repoSortColumns } from '../row-mapping.ts';
import { pgMigrations } from './pg-migrations.ts';
import {
  toAccount,
  toAlias,
  toBlob,
  toCommit,
  toFile,
  toRef,
  toRepo,
  toToken,
  toUpload,
  type PgRow,
} from './pg-rows.ts';
import { withTransaction } from './pg-transaction.ts';

/** Connection settings of a PostgresMetadataStore. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (libpq parameters such as `sslmode` work too). */
  readonly url: string;
  /** Connections this process may open (size × replicas must stay under `max_connections`). @default 10 */
  readonly poolSize?: number;
  /** Longest wait for a row lock (a commit waits for the one before it on the same branch). @default 10000 */
  readonly lockTimeoutMs?: number;
  /** Longest single statement. @default 30000 */
  readonly statementTimeoutMs?: number;
}

// Arbitrary constant keys of the advisory locks this store takes.
const migrationLockKey = 720_412_001;

// A token's row joined with its account's: the account's columns come prefixed with a_, as both
// tables have id, name and created_at.
const accountColumns =
  'a.id AS a_id, a.name AS a_name, a.type AS a_type, a.is_admin AS a_is_admin, a.created_at AS a_created_at';

/** The account of a row selected with accountColumns. */
function joinedAccount(row: PgRow): Account {
  return toAccount({
    id: row['a_id'],
    name: row['a_name'],
    type: row['a_type'],
    is_admin: row['a_is_admin'],
    created_at: row['a_created_at'],
  });
}

function unavailable(error: unknown): ModelhubError {
  return new ModelhubError('UNAVAILABLE', 'The metadata database cannot be reached.', {
    hint: 'Check that PostgreSQL is running and that --metadata points at it.',
    cause: error,
  });
}

/**
 * Registry metadata in PostgreSQL (node-postgres pool), for several registry processes sharing
 * one database. Migrations run at open under an advisory lock; multi-statement writes run in
 * transactions that are retried on serialization failures and deadlocks; every connection has a
 * lock and a statement timeout. A commit locks its branch row (SELECT … FOR UPDATE), so concurrent
 * commits to one branch are applied one after the other with no in-process lock.
 */
export class PostgresMetadataStore implements MetadataStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects, migrates the schema (once, whichever process comes first) and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresMetadataStore> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      lock_timeout: options.lockTimeoutMs ?? 10_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      // A replica that hangs inside a transaction must not hold a branch lock for ever.
      idle_in_transaction_session_timeout: 60_000,
      application_name: 'modelhub-registry',
    });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end();
      if ((error as { code?: unknown }).code === 'ECONNREFUSED') {
        throw unavailable(error);
      }
      throw error;
    }
    return new PostgresMetadataStore(pool);
  }

  async #rows(sql: string, params: unknown[] = []): Promise<PgRow[]> {
    try {
      return (await this.#pool.query<PgRow>(sql, params)).rows;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ECONNREFUSED') {
        throw unavailable(error);
      }
      throw error;
    }
  }

  async #row(sql: string, params: unknown[] = []): Promise<PgRow | undefined> {
    return (await this.#rows(sql, params))[0];
  }

  /** Whether the database answers (for /healthz). */
  async ping(): Promise<void> {
    await this.#rows('SELECT 1');
  }

  async getAccount(name: string): Promise<Account | undefined> {
    const row = await this.#row('SELECT * FROM accounts WHERE name = $1', [name]);
    return row === undefined ? undefined : toAccount(row);
  }

  async ensureAccount(
    name: string,
    type: 'user' | 'org',
    options: { admin?: boolean } = {},
  ): Promise<Account> {
    const admin = options.admin === true;
    const row = await this.#row(
      `INSERT INTO accounts (name, type, is_admin, created_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (name) DO UPDATE SET is_admin = accounts.is_admin OR excluded.is_admin
       RETURNING *`,
      [name, type, admin],
    );
    if (row === undefined) {
      throw new ModelhubError('INTERNAL', `Account ${name} vanished right after it was created.`);
    }
    return toAccount(row);
  }

  async addOrgMember(org: string, user: string): Promise<void> {
    await this.ensureAccount(org, 'org');
    await this.ensureAccount(user, 'user');
    await this.#rows('INSERT INTO org_members (org, member) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      org,
      user,
    ]);
  }

  async orgsOf(user: string): Promise<string[]> {
    const rows = await this.#rows('SELECT org FROM org_members WHERE member = $1 ORDER BY org', [user]);
    return rows.map((r) => String(r['org']));
  }

  async insertToken(
    account: string,
    role: 'read' | 'write',
    tokenHash: string,
    displayName: string,
  ): Promise<AccessToken> {
    const row = await this.#row(
      'INSERT INTO tokens (account, token_hash, role, display_name, created_at) VALUES ($1, $2, $3, $4, now()) RETURNING *',
      [account, tokenHash, role, displayName],
    );
    if (row === undefined) {
      throw new ModelhubError('INTERNAL', 'A token vanished right after it was created.');
    }
    return toToken(row);
  }

  async findToken(tokenHash: string): Promise<{ token: AccessToken; account: Account } | undefined> {
    const row = await this.#row(
      `SELECT t.*, ${accountColumns}
       FROM tokens t JOIN accounts a ON a.name = t.account WHERE t.token_hash = $1`,
      [tokenHash],
    );
    if (row === undefined) {
      return undefined;
    }
    return {
      token: toToken(row),
      account: joinedAccount(row),
    };
  }

  async listTokens(account: string): Promise<AccessToken[]> {
    const rows = await this.#rows('SELECT * FROM tokens WHERE account = $1 ORDER BY id DESC', [account]);
    return rows.map(toToken);
  }

  async deleteToken(account: string, tokenId: number): Promise<boolean> {
    // Its web sessions go with it (ON DELETE CASCADE).
    const rows = await this.#rows('DELETE FROM tokens WHERE id = $1 AND account = $2 RETURNING id', [
      tokenId,
      account,
    ]);
    return rows.length > 0;
  }

  async touchToken(tokenId: number, at: string): Promise<void> {
    await this.#rows('UPDATE tokens SET last_used_at = $1 WHERE id = $2', [at, tokenId]);
  }

  createWebSession(session: WebSession): Promise<void> {
    return withTransaction(this.#pool, async (client) => {
      await client.query('DELETE FROM web_sessions WHERE expires_at <= $1', [session.createdAt]);
      await client.query(
        'INSERT INTO web_sessions (id_hash, token_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [session.idHash, session.tokenId, session.createdAt, session.expiresAt],
      );
    });
  }

  async findWebSession(
    idHash: string,
    now: string,
  ): Promise<{ token: AccessToken; account: Account; session: WebSession } | undefined> {
    const row = await this.#row(
      `SELECT t.*, s.id_hash, s.token_id, s.created_at AS s_created_at, s.expires_at AS s_expires_at,
              ${accountColumns}
       FROM web_sessions s JOIN tokens t ON t.id = s.token_id JOIN accounts a ON a.name = t.account
       WHERE s.id_hash = $1 AND s.expires_at > $2`,
      [idHash, now],
    );
    if (row === undefined) {
      return undefined;
    }
    const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));
    return {
      token: toToken(row),
      account: joinedAccount(row),
      session: {
        idHash: String(row['id_hash']),
        tokenId: Number(row['token_id']),
        createdAt: iso(row['s_created_at']),
        expiresAt: iso(row['s_expires_at']),
      },
    };
  }

  async deleteWebSession(idHash: string): Promise<void> {
    await this.#rows('DELETE FROM web_sessions WHERE id_hash = $1', [idHash]);
  }

  async getRepo(type: RepoType, namespace: string, name: string): Promise<Repo | undefined> {
    const row = await this.#row('SELECT * FROM repos WHERE type = $1 AND namespace = $2 AND name = $3', [
      type,
      namespace,
      name,
    ]);
    return row === undefined ? undefined : toRepo(row);
  }

  createRepo(
    repo: { type: RepoType; namespace: string; name: string; private: boolean },
    initial: (repoId: number) => { commit: Commit; files: readonly TreeFile[] },
  ): Promise<Repo> {
    return withTransaction(this.#pool, async (client) => {
      const inserted = await client.query<PgRow>(
        `INSERT INTO repos (type, namespace, name, full_id, private, created_at, last_modified)
         VALUES ($1, $2, $3, $4, $5, now(), now()) ON CONFLICT (type, namespace, name) DO NOTHING RETURNING *`,
        [repo.type, repo.namespace, repo.name, `${repo.namespace}/${repo.name}`, repo.private],
      );
      const row = inserted.rows[0];
      if (row === undefined) {
        throw repoAlreadyExists(`${repo.namespace}/${repo.name}`, repo.type);
      }
      const created = toRepo(row);
      const { commit, files } = initial(created.id);
      await insertCommit(client, commit, files);
      await linkObjects(client, created.id, files);
      await client.query(
        "INSERT INTO refs (repo_id, kind, name, commit_sha) VALUES ($1, 'branch', 'main', $2)",
        [created.id, commit.sha],
      );
      return created;
    });
  }

  async deleteRepo(repoId: number): Promise<void> {
    await this.#rows('DELETE FROM repos WHERE id = $1', [repoId]);
  }

  moveRepo(repoId: number, to: { namespace: string; name: string }): Promise<Repo> {
    return withTransaction(this.#pool, async (client) => {
      const row = (await client.query<PgRow>('SELECT * FROM repos WHERE id = $1 FOR UPDATE', [repoId]))
        .rows[0];
      if (row === undefined) {
        throw new ModelhubError('REPO_NOT_FOUND', 'The repository to move no longer exists.');
      }
      const from = toRepo(row);
      const fullId = `${to.namespace}/${to.name}`;
      const moved = (
        await client.query<PgRow>(
          `UPDATE repos SET namespace = $2, name = $3, full_id = $4 WHERE id = $1
           AND NOT EXISTS (SELECT 1 FROM repos WHERE type = $5 AND namespace = $2 AND name = $3)
           RETURNING *`,
          [repoId, to.namespace, to.name, fullId, from.type],
        )
      ).rows[0];
      if (moved === undefined) {
        throw repoAlreadyExists(fullId, from.type);
      }
      await client.query('UPDATE aliases SET repo = $1 WHERE repo_type = $2 AND repo = $3', [
        fullId,
        from.type,
        `${from.namespace}/${from.name}`,
      ]);
      return toRepo(moved);
    }).catch((error: unknown) => {
      // Two moves to the same name at once: the unique constraint decides.
      if ((error as { code?: unknown } | null)?.code === '23505') {
        throw repoAlreadyExists(`${to.namespace}/${to.name}`);
      }
      throw error;
    });
  }

  async setPrivate(repoId: number, isPrivate: boolean): Promise<void> {
    await this.#rows('UPDATE repos SET private = $1 WHERE id = $2', [isPrivate, repoId]);
  }

  /** The WHERE clause of a repo filter, with its parameters numbered from $1. */
  #repoWhere(filter: RepoFilter): { where: string; params: unknown[]; param: (value: unknown) => string } {
    const params: unknown[] = [filter.type];
    const where: string[] = ['type = $1'];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.privateNamespaces !== '*') {
      where.push(
        filter.privateNamespaces.length === 0
          ? 'NOT private'
          : `(NOT private OR namespace = ANY(${param([...filter.privateNamespaces])}::text[]))`,
      );
    }
    if (filter.search !== undefined && filter.search !== '') {
      where.push(`strpos(lower(full_id), lower(${param(filter.search)})) > 0`);
    }
    if (filter.author !== undefined && filter.author !== '') {
      where.push(`namespace = ${param(filter.author)}`);
    }
    if (filter.pipelineTag !== undefined && filter.pipelineTag !== '') {
      where.push(`pipeline_tag = ${param(filter.pipelineTag)}`);
    }
    if (filter.tags.length > 0) {
      where.push(`tags @> ${param([...filter.tags])}::text[]`);
    }
    if (filter.excludeTags !== undefined && filter.excludeTags.length > 0) {
      where.push(`NOT (tags && ${param([...filter.excludeTags])}::text[])`);
    }
    return { where: where.join(' AND '), params, param };
  }

  async listRepos(query: RepoQuery): Promise<{ repos: Repo[]; more: boolean }> {
    const { where, params, param } = this.#repoWhere(query);
    const direction = query.descending ? 'DESC' : 'ASC';
    const rows = await this.#rows(
      `SELECT * FROM repos WHERE ${where} ORDER BY ${repoSortColumns[query.sort]} ${direction}, full_id ASC LIMIT ${param(query.limit + 1)} OFFSET ${param(query.offset)}`,
      params,
    );
    return { repos: rows.slice(0, query.limit).map(toRepo), more: rows.length > query.limit };
  }

  async countRepos(filter: RepoFilter): Promise<number> {
    const { where, params } = this.#repoWhere(filter);
    const row = await this.#row(`SELECT count(*) AS n FROM repos WHERE ${where}`, params);
    return Number(row?.['n'] ?? 0);
  }

  async countDownload(repoId: number, count = 1): Promise<void> {
    await this.#rows('UPDATE repos SET downloads = downloads + $1 WHERE id = $2', [count, repoId]);
  }

  async getRef(repoId: number, kind: Ref['kind'], name: string): Promise<Ref | undefined> {
    const row = await this.#row('SELECT * FROM refs WHERE repo_id = $1 AND kind = $2 AND name = $3', [
      repoId,
      kind,
      name,
    ]);
    return row === undefined ? undefined : toRef(row);
  }

  async listRefs(repoId: number): Promise<Ref[]> {
    return (await this.#rows('SELECT * FROM refs WHERE repo_id = $1 ORDER BY kind, name', [repoId])).map(
      toRef,
    );
  }

  async setRef(repoId: number, ref: Ref): Promise<void> {
    await this.#rows(
      `INSERT INTO refs (repo_id, kind, name, commit_sha) VALUES ($1, $2, $3, $4)
       ON CONFLICT (repo_id, kind, name) DO UPDATE SET commit_sha = excluded.commit_sha`,
      [repoId, ref.kind, ref.name, ref.commit],
    );
  }

  async deleteRef(repoId: number, kind: Ref['kind'], name: string): Promise<boolean> {
    const rows = await this.#rows(
      'DELETE FROM refs WHERE repo_id = $1 AND kind = $2 AND name = $3 RETURNING name',
      [repoId, kind, name],
    );
    return rows.length > 0;
  }

  async getCommit(repoId: number, sha: string): Promise<Commit | undefined> {
    const row = await this.#row('SELECT * FROM commits WHERE repo_id = $1 AND sha = $2', [repoId, sha]);
    return row === undefined ? undefined : toCommit(row);
  }

  async findCommits(repoId: number, prefix: string): Promise<Commit[]> {
    const rows = await this.#rows(
      "SELECT * FROM commits WHERE repo_id = $1 AND sha >= $2 AND sha < $2 || 'g' ORDER BY sha LIMIT 2",
      [repoId, prefix],
    );
    return rows.map(toCommit);
  }

  async commitFiles(repoId: number, sha: string): Promise<TreeFile[]> {
    const rows = await this.#rows(
      'SELECT * FROM commit_files WHERE repo_id = $1 AND commit_sha = $2 ORDER BY path',
      [repoId, sha],
    );
    return rows.map(toFile);
  }

  async commitFile(repoId: number, sha: string, path: string): Promise<TreeFile | undefined> {
    const row = await this.#row(
      'SELECT * FROM commit_files WHERE repo_id = $1 AND commit_sha = $2 AND path = $3',
      [repoId, sha, path],
    );
    return row === undefined ? undefined : toFile(row);
  }

  writeCommit(repoId: number, write: CommitWrite): Promise<void> {
    return withTransaction(this.#pool, async (client) => {
      const head = await lockBranch(client, repoId, write.branch);
      if ((head ?? null) !== write.expectedHead) {
        throw branchMoved(write.branch, head);
      }
      await writeCommitRows(client, repoId, write.branch, write);
    });
  }

  commitToBranch(
    repoId: number,
    branch: string,
    build: (head: Commit, files: readonly TreeFile[]) => Promise<PreparedCommit>,
  ): Promise<Commit> {
    return withTransaction(this.#pool, async (client) => {
      // The row lock makes every other commit to this branch wait here until this one is done.
      const headSha = await lockBranch(client, repoId, branch);
      const headRow =
        headSha === undefined
          ? undefined
          : (
              await client.query<PgRow>('SELECT * FROM commits WHERE repo_id = $1 AND sha = $2', [
                repoId,
                headSha,
              ])
            ).rows[0];
      if (headRow === undefined) {
        throw branchNotFound(branch);
      }
      const head = toCommit(headRow);
      const files = (
        await client.query<PgRow>(
          'SELECT * FROM commit_files WHERE repo_id = $1 AND commit_sha = $2 ORDER BY path',
          [repoId, head.sha],
        )
      ).rows.map(toFile);
      const draft = await build(head, files);
      const wanted = [...new Set(draft.blobs)].sort();
      if (wanted.length > 0) {
        // Touching the blob rows makes a concurrent GC claim fail (or this commit fail, if GC won).
        const touched = await client.query<PgRow>(
          "UPDATE blobs SET touched_at = now() WHERE sha256 = ANY($1::text[]) AND state = 'verified' RETURNING sha256",
          [wanted],
        );
        const found = new Set(touched.rows.map((r) => String(r['sha256'])));
        const missing = wanted.find((sha) => !found.has(sha));
        if (missing !== undefined) {
          throw objectNotVerified(missing);
        }
      }
      await writeCommitRows(client, repoId, branch, draft);
      return draft.commit;
    });
  }

  async linkObject(repoId: number, sha256: string): Promise<void> {
    await this.#rows('INSERT INTO repo_objects (repo_id, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      repoId,
      sha256,
    ]);
  }

  async hasObject(repoId: number, sha256: string): Promise<boolean> {
    return (
      (await this.#row('SELECT 1 FROM repo_objects WHERE repo_id = $1 AND sha256 = $2', [repoId, sha256])) !==
      undefined
    );
  }

  async touchBlob(sha256: string): Promise<BlobRecord | undefined> {
    const row = await this.#row(
      `WITH touched AS (UPDATE blobs SET touched_at = now() WHERE sha256 = $1 AND state = 'verified' RETURNING *)
       SELECT * FROM touched UNION ALL SELECT * FROM blobs WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM touched)`,
      [sha256],
    );
    return row === undefined ? undefined : toBlob(row);
  }

  async recordBlob(sha256: string, size: number): Promise<boolean> {
    const row = await this.#row(
      `INSERT INTO blobs (sha256, size, state, touched_at) VALUES ($1, $2, 'verified', now())
       ON CONFLICT (sha256) DO UPDATE SET touched_at = now() WHERE blobs.state = 'verified'
       RETURNING sha256`,
      [sha256, size],
    );
    return row !== undefined;
  }

  async claimGarbage(cutoff: Date, limit: number): Promise<BlobRecord[]> {
    // The outer conditions are evaluated again on the locked row: a commit or touch that got the
    // row first moved touched_at past the cutoff, so the claim skips it. (The NOT EXISTS is not
    // re-evaluated under READ COMMITTED, which is why commits touch the rows they reference.)
    const rows = await this.#rows(
      `UPDATE blobs SET state = 'deleting'
       WHERE sha256 IN (
         SELECT b.sha256 FROM blobs b
         WHERE b.state = 'verified' AND b.touched_at < $1
           AND NOT EXISTS (SELECT 1 FROM commit_files f WHERE f.sha256 = b.sha256)
         ORDER BY b.touched_at LIMIT $2)
       AND state = 'verified' AND touched_at < $1
       RETURNING *`,
      [cutoff, limit],
    );
    return rows.map(toBlob);
  }

  async forgetBlob(sha256: string): Promise<void> {
    await withTransaction(this.#pool, async (client) => {
      const gone = await client.query("DELETE FROM blobs WHERE sha256 = $1 AND state = 'deleting'", [sha256]);
      if ((gone.rowCount ?? 0) > 0) {
        await client.query('DELETE FROM repo_objects WHERE sha256 = $1', [sha256]);
      }
    });
  }

  async recordUpload(upload: PendingUpload): Promise<void> {
    await this.#rows(
      `INSERT INTO uploads (id, repo_id, sha256, size, parts, chunk_size, store_upload_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        upload.id,
        upload.repoId,
        upload.sha256,
        upload.size,
        upload.parts,
        upload.chunkSize,
        upload.storeUploadId,
        upload.createdAt,
        upload.expiresAt,
      ],
    );
  }

  async getUpload(id: string): Promise<PendingUpload | undefined> {
    const row = await this.#row('SELECT * FROM uploads WHERE id = $1', [id]);
    return row === undefined ? undefined : toUpload(row);
  }

  async pendingUploads(repoId: number, sha256: string): Promise<PendingUpload[]> {
    const rows = await this.#rows(
      'SELECT * FROM uploads WHERE repo_id = $1 AND sha256 = $2 ORDER BY created_at DESC',
      [repoId, sha256],
    );
    return rows.map(toUpload);
  }

  async deleteUpload(id: string): Promise<void> {
    await this.#rows('DELETE FROM uploads WHERE id = $1', [id]);
  }

  async expiredUploads(before: Date, limit: number): Promise<PendingUpload[]> {
    const rows = await this.#rows(
      'SELECT * FROM uploads WHERE expires_at < $1 ORDER BY expires_at LIMIT $2',
      [before, limit],
    );
    return rows.map(toUpload);
  }

  /**
   * A session-level advisory lock on one pooled connection: it is released when `work` ends, or by
   * the server when the process dies and its connection drops.
   */
  async withLeadership<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    const client = await this.#pool.connect();
    let broken = false;
    try {
      const got = await client.query<PgRow>(
        "SELECT pg_try_advisory_lock(hashtext('modelhub:' || $1)) AS got",
        [name],
      );
      if (got.rows[0]?.['got'] !== true) {
        return undefined;
      }
      try {
        return await work();
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext('modelhub:' || $1))", [name]).catch(() => {
          broken = true;
        });
      }
    } finally {
      client.release(broken);
    }
  }

  async setAlias(alias: Alias): Promise<void> {
    await this.#rows(
      `INSERT INTO aliases (name, repo_type, repo, revision) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET repo_type = excluded.repo_type, repo = excluded.repo, revision = excluded.revision`,
      [alias.name, alias.repoType, alias.repo, alias.revision],
    );
  }

  async getAlias(name: string): Promise<Alias | undefined> {
    const row = await this.#row('SELECT * FROM aliases WHERE name = $1', [name]);
    return row === undefined ? undefined : toAlias(row);
  }

  async setting(key: string, create: () => string): Promise<string> {
    const existing = await this.#row('SELECT value FROM settings WHERE key = $1', [key]);
    if (existing !== undefined) {
      return String(existing['value']);
    }
    // Two processes may race to create it: the first insert wins and both read the winner.
    await this.#rows('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      key,
      create(),
    ]);
    const row = await this.#row('SELECT value FROM settings WHERE key = $1', [key]);
    return String(row?.['value']);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** Runs the migrations not run yet; concurrent openers wait for each other on an advisory lock. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS modelhub_schema (version integer NOT NULL)');
      const row = (await client.query<PgRow>('SELECT version FROM modelhub_schema')).rows[0];
      let version = row === undefined ? 0 : Number(row['version']);
      if (row === undefined) {
        await client.query('INSERT INTO modelhub_schema (version) VALUES (0)');
      }
      if (version > pgMigrations.length) {
        throw new ModelhubError(
          'INVALID_ARGUMENT',
          `The metadata database has schema version ${version}, newer than this registry knows (${pgMigrations.length}).`,
          { hint: 'Run the newer registry version against it, or point --metadata at another database.' },
        );
      }
      for (; version < pgMigrations.length; version++) {
        await client.query('BEGIN');
        try {
          await client.query(pgMigrations[version] ?? '');
          await client.query('UPDATE modelhub_schema SET version = $1', [version + 1]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
    }
  } finally {
    client.release();
  }
}

async function lockBranch(
  client: pg.PoolClient,
  repoId: number,
  branch: string,
): Promise<string | undefined> {
  const row = (
    await client.query<PgRow>(
      "SELECT commit_sha FROM refs WHERE repo_id = $1 AND kind = 'branch' AND name = $2 FOR UPDATE",
      [repoId, branch],
    )
  ).rows[0];
  return row === undefined ? undefined : String(row['commit_sha']);
}

async function insertCommit(
  client: pg.PoolClient,
  commit: Commit,
  files: readonly TreeFile[],
): Promise<boolean> {
  const inserted = await client.query(
    `INSERT INTO commits (sha, repo_id, parent, title, description, author, created_at, tree_sha, card_data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
    [
      commit.sha,
      commit.repoId,
      commit.parent,
      commit.title,
      commit.description,
      commit.author,
      commit.createdAt,
      commit.treeSha,
      commit.cardData === null ? null : JSON.stringify(commit.cardData),
    ],
  );
  if ((inserted.rowCount ?? 0) === 0) {
    return false;
  }
  // One statement for the whole file list, however long.
  await client.query(
    `INSERT INTO commit_files (repo_id, commit_sha, path, size, sha256, git_oid, lfs, last_commit)
     SELECT $1, $2, * FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::boolean[], $8::text[])`,
    [
      commit.repoId,
      commit.sha,
      files.map((f) => f.path),
      files.map((f) => f.size),
      files.map((f) => f.sha256),
      files.map((f) => f.gitOid),
      files.map((f) => f.lfs),
      files.map((f) => f.lastCommit),
    ],
  );
  return true;
}

async function linkObjects(client: pg.PoolClient, repoId: number, files: readonly TreeFile[]): Promise<void> {
  await client.query(
    'INSERT INTO repo_objects (repo_id, sha256) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
    [repoId, [...new Set(files.map((f) => f.sha256))]],
  );
}

async function writeCommitRows(
  client: pg.PoolClient,
  repoId: number,
  branch: string,
  draft: { commit: Commit; files: readonly TreeFile[]; discovery: PreparedCommit['discovery'] },
): Promise<void> {
  await insertCommit(client, draft.commit, draft.files);
  await linkObjects(client, repoId, draft.files);
  await client.query(
    `INSERT INTO refs (repo_id, kind, name, commit_sha) VALUES ($1, 'branch', $2, $3)
     ON CONFLICT (repo_id, kind, name) DO UPDATE SET commit_sha = excluded.commit_sha`,
    [repoId, branch, draft.commit.sha],
  );
  if (branch === 'main') {
    await client.query(
      'UPDATE repos SET last_modified = $2, library_name = $3, pipeline_tag = $4, tags = $5 WHERE id = $1',
      [
        repoId,
        draft.commit.createdAt,
        draft.discovery.libraryName,
        draft.discovery.pipelineTag,
        [...draft.discovery.tags],
      ],
    );
  } else {
    await client.query('UPDATE repos SET last_modified = $2 WHERE id = $1', [repoId, draft.commit.createdAt]);
  }
}
