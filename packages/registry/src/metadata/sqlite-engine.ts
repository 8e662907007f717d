import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

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
} from '../domain/types.ts';
import type { BlobRecord, PreparedCommit, CommitWrite, PendingUpload } from './metadata-store.ts';
import { branchMoved, branchNotFound, objectNotVerified, repoAlreadyExists } from './metadata-errors.ts';
import { migrations } from './migrations.ts';
import { repoSortColumns, rowMapper, str, strOrNull, type Row } from './row-mapping.ts';

function num(row: Row, key: string): number {
  const value = row[key];
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'bigint') {
    return Number(value);
  }
  throw new TypeError(`column ${key} is not a number`);
}

const { toAccount, toToken, toRepo, toCommit, toFile, toRef, toAlias, toBlob, toUpload } = rowMapper({
  num,
  bool: (row, key) => num(row, key) === 1,
  time: str,
  tags: (row, key) => {
    const text = strOrNull(row, key);
    const parsed: unknown = text === null ? [] : JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
  },
});

/**
 * The synchronous SQLite engine behind SqliteMetadataStore: one SQLite file in WAL mode, migrated on open. Reads and writes
 * are synchronous (node:sqlite), so each method is naturally atomic within the process, and
 * multi-statement writes run in an IMMEDIATE transaction so other processes (the `hub token`
 * command next to a running server) see all or nothing.
 */
export class SqliteEngine {
  readonly #db: DatabaseSync;
  // Prepared statements by SQL text: compiling a statement costs more than running it, and the
  // file-serving hot path runs the same few queries for every request.
  readonly #statements = new Map<string, StatementSync>();

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.#db = new DatabaseSync(file);
    this.#db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
    );
    this.#migrate();
  }

  #migrate(): void {
    const row = this.#db.prepare('PRAGMA user_version').get() as Row | undefined;
    const version = row === undefined ? 0 : num(row, 'user_version');
    for (let i = version; i < migrations.length; i++) {
      this.#transaction(() => {
        this.#db.exec(migrations[i] ?? '');
        this.#db.exec(`PRAGMA user_version = ${i + 1}`);
      });
    }
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      // Queries built with a variable number of parameters could grow this without end.
      if (this.#statements.size >= 256) {
        this.#statements.clear();
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.#prepare(sql).get(...params);
  }

  #all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#prepare(sql).all(...params);
  }

  #run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.#prepare(sql).run(...params).lastInsertRowid);
  }

  /** Runs a write; the number of rows it changed. */
  #change(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.#prepare(sql).run(...params).changes);
  }

  getAccount(name: string): Account | undefined {
    const row = this.#get('SELECT * FROM accounts WHERE name = ?', name);
    return row === undefined ? undefined : toAccount(row);
  }

  ensureAccount(name: string, type: 'user' | 'org', options: { admin?: boolean } = {}): Account {
    this.#run(
      'INSERT INTO accounts (name, type, is_admin, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING',
      name,
      type,
      options.admin === true ? 1 : 0,
      new Date().toISOString(),
    );
    if (options.admin === true) {
      this.#run('UPDATE accounts SET is_admin = 1 WHERE name = ?', name);
    }
    const account = this.getAccount(name);
    if (account === undefined) {
      throw new ModelhubError('INTERNAL', `Account ${name} vanished right after it was created.`);
    }
    return account;
  }

  addOrgMember(org: string, user: string): void {
    this.ensureAccount(org, 'org');
    this.ensureAccount(user, 'user');
    this.#run('INSERT OR IGNORE INTO org_members (org, member) VALUES (?, ?)', org, user);
  }

  orgsOf(user: string): string[] {
    return this.#all('SELECT org FROM org_members WHERE member = ? ORDER BY org', user).map((r) =>
      str(r, 'org'),
    );
  }

  insertToken(account: string, role: 'read' | 'write', tokenHash: string, displayName: string): AccessToken {
    const id = this.#run(
      'INSERT INTO tokens (account, token_hash, role, display_name, created_at) VALUES (?, ?, ?, ?, ?)',
      account,
      tokenHash,
      role,
      displayName,
      new Date().toISOString(),
    );
    const row = this.#get('SELECT * FROM tokens WHERE id = ?', id);
    if (row === undefined) {
      throw new ModelhubError('INTERNAL', 'A token vanished right after it was created.');
    }
    return toToken(row);
  }

  findToken(tokenHash: string): { token: AccessToken; account: Account } | undefined {
    const row = this.#get('SELECT * FROM tokens WHERE token_hash = ?', tokenHash);
    if (row === undefined) {
      return undefined;
    }
    const token = toToken(row);
    const account = this.getAccount(token.account);
    return account === undefined ? undefined : { token, account };
  }

  listTokens(account: string): AccessToken[] {
    return this.#all('SELECT * FROM tokens WHERE account = ? ORDER BY id DESC', account).map(toToken);
  }

  deleteToken(account: string, tokenId: number): boolean {
    return this.#transaction(() => {
      const found = this.#get('SELECT id FROM tokens WHERE id = ? AND account = ?', tokenId, account);
      if (found === undefined) {
        return false;
      }
      this.#run('DELETE FROM web_sessions WHERE token_id = ?', tokenId);
      this.#run('DELETE FROM tokens WHERE id = ?', tokenId);
      return true;
    });
  }

  touchToken(tokenId: number, at: string): void {
    this.#run('UPDATE tokens SET last_used_at = ? WHERE id = ?', at, tokenId);
  }

  createWebSession(session: WebSession): void {
    this.#transaction(() => {
      this.#run('DELETE FROM web_sessions WHERE expires_at <= ?', session.createdAt);
      this.#run(
        'INSERT INTO web_sessions (id_hash, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
        session.idHash,
        session.tokenId,
        session.createdAt,
        session.expiresAt,
      );
    });
  }

  findWebSession(
    idHash: string,
    now: string,
  ): { token: AccessToken; account: Account; session: WebSession } | undefined {
    const row = this.#get(
      'SELECT s.id_hash, s.token_id, s.created_at AS session_created_at, s.expires_at, t.* FROM web_sessions s JOIN tokens t ON t.id = s.token_id WHERE s.id_hash = ? AND s.expires_at > ?',
      idHash,
      now,
    );
    if (row === undefined) {
      return undefined;
    }
    const token = toToken(row);
    const account = this.getAccount(token.account);
    if (account === undefined) {
      return undefined;
    }
    const session: WebSession = {
      idHash: str(row, 'id_hash'),
      tokenId: num(row, 'token_id'),
      createdAt: str(row, 'session_created_at'),
      expiresAt: str(row, 'expires_at'),
    };
    return { token, account, session };
  }

  deleteWebSession(idHash: string): void {
    this.#run('DELETE FROM web_sessions WHERE id_hash = ?', idHash);
  }

  getRepo(type: RepoType, namespace: string, name: string): Repo | undefined {
    const row = this.#get(
      'SELECT * FROM repos WHERE type = ? AND namespace = ? AND name = ?',
      type,
      namespace,
      name,
    );
    return row === undefined ? undefined : toRepo(row);
  }

  createRepo(
    repo: { type: RepoType; namespace: string; name: string; private: boolean },
    initial: (repoId: number) => { commit: Commit; files: readonly TreeFile[] },
  ): Repo {
    return this.#transaction(() => {
      if (this.getRepo(repo.type, repo.namespace, repo.name) !== undefined) {
        throw repoAlreadyExists(`${repo.namespace}/${repo.name}`, repo.type);
      }
      const now = new Date().toISOString();
      const id = this.#run(
        'INSERT INTO repos (type, namespace, name, full_id, private, created_at, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)',
        repo.type,
        repo.namespace,
        repo.name,
        `${repo.namespace}/${repo.name}`,
        repo.private ? 1 : 0,
        now,
        now,
      );
      const { commit, files } = initial(id);
      this.#insertCommit(commit, files);
      this.setRef(id, { kind: 'branch', name: 'main', commit: commit.sha });
      const created = this.getRepo(repo.type, repo.namespace, repo.name);
      if (created === undefined) {
        throw new ModelhubError('INTERNAL', 'A repo vanished right after it was created.');
      }
      return created;
    });
  }

  deleteRepo(repoId: number): void {
    this.#run('DELETE FROM repos WHERE id = ?', repoId);
  }

  moveRepo(repoId: number, to: { namespace: string; name: string }): Repo {
    return this.#transaction(() => {
      const row = this.#get('SELECT * FROM repos WHERE id = ?', repoId);
      if (row === undefined) {
        throw new ModelhubError('REPO_NOT_FOUND', 'The repository to move no longer exists.');
      }
      const from = toRepo(row);
      if (this.getRepo(from.type, to.namespace, to.name) !== undefined) {
        throw repoAlreadyExists(`${to.namespace}/${to.name}`, from.type);
      }
      const fullId = `${to.namespace}/${to.name}`;
      this.#run(
        'UPDATE repos SET namespace = ?, name = ?, full_id = ? WHERE id = ?',
        to.namespace,
        to.name,
        fullId,
        repoId,
      );
      this.#run(
        'UPDATE aliases SET repo = ? WHERE repo_type = ? AND repo = ?',
        fullId,
        from.type,
        `${from.namespace}/${from.name}`,
      );
      const moved = this.getRepo(from.type, to.namespace, to.name);
      if (moved === undefined) {
        throw new ModelhubError('INTERNAL', 'A repo vanished right after it was moved.');
      }
      return moved;
    });
  }

  setPrivate(repoId: number, isPrivate: boolean): void {
    this.#run('UPDATE repos SET private = ? WHERE id = ?', isPrivate ? 1 : 0, repoId);
  }

  #repoWhere(filter: RepoFilter): { where: string; params: SQLInputValue[] } {
    const where: string[] = ['type = ?'];
    const params: SQLInputValue[] = [filter.type];
    if (filter.privateNamespaces !== '*') {
      const marks = filter.privateNamespaces.map(() => '?').join(', ');
      where.push(
        filter.privateNamespaces.length === 0 ? 'private = 0' : `(private = 0 OR namespace IN (${marks}))`,
      );
      params.push(...filter.privateNamespaces);
    }
    if (filter.search !== undefined && filter.search !== '') {
      where.push('instr(lower(full_id), lower(?)) > 0');
      params.push(filter.search);
    }
    if (filter.author !== undefined && filter.author !== '') {
      where.push('namespace = ?');
      params.push(filter.author);
    }
    if (filter.pipelineTag !== undefined && filter.pipelineTag !== '') {
      where.push('pipeline_tag = ?');
      params.push(filter.pipelineTag);
    }
    for (const tag of filter.tags) {
      where.push('EXISTS (SELECT 1 FROM json_each(repos.tags) WHERE json_each.value = ?)');
      params.push(tag);
    }
    for (const tag of filter.excludeTags ?? []) {
      where.push('NOT EXISTS (SELECT 1 FROM json_each(repos.tags) WHERE json_each.value = ?)');
      params.push(tag);
    }
    return { where: where.join(' AND '), params };
  }

  listRepos(query: RepoQuery): { repos: Repo[]; more: boolean } {
    const { where, params } = this.#repoWhere(query);
    const direction = query.descending ? 'DESC' : 'ASC';
    const rows = this.#all(
      `SELECT * FROM repos WHERE ${where} ORDER BY ${repoSortColumns[query.sort]} ${direction}, full_id ASC LIMIT ? OFFSET ?`,
      ...params,
      query.limit + 1,
      query.offset,
    );
    return { repos: rows.slice(0, query.limit).map(toRepo), more: rows.length > query.limit };
  }

  countRepos(filter: RepoFilter): number {
    const { where, params } = this.#repoWhere(filter);
    const row = this.#get(`SELECT count(*) AS n FROM repos WHERE ${where}`, ...params);
    return row === undefined ? 0 : num(row, 'n');
  }

  countDownload(repoId: number, count = 1): void {
    this.#run('UPDATE repos SET downloads = downloads + ? WHERE id = ?', count, repoId);
  }

  getRef(repoId: number, kind: Ref['kind'], name: string): Ref | undefined {
    const row = this.#get(
      'SELECT * FROM refs WHERE repo_id = ? AND kind = ? AND name = ?',
      repoId,
      kind,
      name,
    );
    return row === undefined ? undefined : toRef(row);
  }

  listRefs(repoId: number): Ref[] {
    return this.#all('SELECT * FROM refs WHERE repo_id = ? ORDER BY kind, name', repoId).map(toRef);
  }

  setRef(repoId: number, ref: Ref): void {
    this.#run(
      'INSERT INTO refs (repo_id, kind, name, commit_sha) VALUES (?, ?, ?, ?) ON CONFLICT(repo_id, kind, name) DO UPDATE SET commit_sha = excluded.commit_sha',
      repoId,
      ref.kind,
      ref.name,
      ref.commit,
    );
  }

  deleteRef(repoId: number, kind: Ref['kind'], name: string): boolean {
    const sql = 'DELETE FROM refs WHERE repo_id = ? AND kind = ? AND name = ?';
    return Number(this.#prepare(sql).run(repoId, kind, name).changes) > 0;
  }

  getCommit(repoId: number, sha: string): Commit | undefined {
    const row = this.#get('SELECT * FROM commits WHERE repo_id = ? AND sha = ?', repoId, sha);
    return row === undefined ? undefined : toCommit(row);
  }

  findCommits(repoId: number, prefix: string): Commit[] {
    return this.#all(
      "SELECT * FROM commits WHERE repo_id = ? AND sha >= ? AND sha < ? || 'g' LIMIT 2",
      repoId,
      prefix,
      prefix,
    ).map(toCommit);
  }

  commitFiles(repoId: number, sha: string): TreeFile[] {
    return this.#all(
      'SELECT * FROM commit_files WHERE repo_id = ? AND commit_sha = ? ORDER BY path',
      repoId,
      sha,
    ).map(toFile);
  }

  commitFile(repoId: number, sha: string, path: string): TreeFile | undefined {
    const row = this.#get(
      'SELECT * FROM commit_files WHERE repo_id = ? AND commit_sha = ? AND path = ?',
      repoId,
      sha,
      path,
    );
    return row === undefined ? undefined : toFile(row);
  }

  #insertCommit(commit: Commit, files: readonly TreeFile[]): void {
    this.#run(
      'INSERT INTO commits (sha, repo_id, parent, title, description, author, created_at, tree_sha, card_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      commit.sha,
      commit.repoId,
      commit.parent,
      commit.title,
      commit.description,
      commit.author,
      commit.createdAt,
      commit.treeSha,
      commit.cardData === null ? null : JSON.stringify(commit.cardData),
    );
    const insert = this.#db.prepare(
      'INSERT INTO commit_files (repo_id, commit_sha, path, size, sha256, git_oid, lfs, last_commit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const file of files) {
      insert.run(
        commit.repoId,
        commit.sha,
        file.path,
        file.size,
        file.sha256,
        file.gitOid,
        file.lfs ? 1 : 0,
        file.lastCommit,
      );
    }
  }

  writeCommit(repoId: number, write: CommitWrite): void {
    this.#transaction(() => {
      const head = this.getRef(repoId, 'branch', write.branch);
      if ((head?.commit ?? null) !== write.expectedHead) {
        throw branchMoved(write.branch, head?.commit);
      }
      this.#writeCommitRows(repoId, write.branch, write);
    });
  }

  /** The commit at the head of a branch, else REVISION_NOT_FOUND. */
  branchHead(repoId: number, branch: string): Commit {
    const ref = this.getRef(repoId, 'branch', branch);
    const commit = ref === undefined ? undefined : this.getCommit(repoId, ref.commit);
    if (commit === undefined) {
      throw branchNotFound(branch);
    }
    return commit;
  }

  /**
   * Writes a commit built on `expectedHead` and moves the branch, in one transaction: CONFLICT
   * (raced) if the branch moved meanwhile, OBJECT_NOT_VERIFIED if a new blob is not verified.
   */
  applyCommit(repoId: number, branch: string, expectedHead: string, draft: PreparedCommit): void {
    this.#transaction(() => {
      const head = this.getRef(repoId, 'branch', branch);
      if (head?.commit !== expectedHead) {
        throw branchMoved(branch, head?.commit);
      }
      const now = new Date().toISOString();
      for (const sha256 of new Set(draft.blobs)) {
        if (
          this.#change(
            "UPDATE blobs SET touched_at = ? WHERE sha256 = ? AND state = 'verified'",
            now,
            sha256,
          ) === 0
        ) {
          throw objectNotVerified(sha256);
        }
      }
      this.#writeCommitRows(repoId, branch, draft);
    });
  }

  #writeCommitRows(
    repoId: number,
    branch: string,
    draft: { commit: Commit; files: readonly TreeFile[]; discovery: PreparedCommit['discovery'] },
  ): void {
    if (this.getCommit(repoId, draft.commit.sha) === undefined) {
      this.#insertCommit(draft.commit, draft.files);
    }
    for (const file of draft.files) {
      this.linkObject(repoId, file.sha256);
    }
    this.setRef(repoId, { kind: 'branch', name: branch, commit: draft.commit.sha });
    this.#run('UPDATE repos SET last_modified = ? WHERE id = ?', draft.commit.createdAt, repoId);
    if (branch === 'main') {
      this.#run(
        'UPDATE repos SET library_name = ?, pipeline_tag = ?, tags = ? WHERE id = ?',
        draft.discovery.libraryName,
        draft.discovery.pipelineTag,
        JSON.stringify(draft.discovery.tags),
        repoId,
      );
    }
  }

  touchBlob(sha256: string): BlobRecord | undefined {
    this.#change(
      "UPDATE blobs SET touched_at = ? WHERE sha256 = ? AND state = 'verified'",
      new Date().toISOString(),
      sha256,
    );
    const row = this.#get('SELECT * FROM blobs WHERE sha256 = ?', sha256);
    return row === undefined ? undefined : toBlob(row);
  }

  recordBlob(sha256: string, size: number): boolean {
    this.#run(
      "INSERT INTO blobs (sha256, size, state, touched_at) VALUES (?, ?, 'verified', ?) ON CONFLICT(sha256) DO UPDATE SET touched_at = excluded.touched_at WHERE state = 'verified'",
      sha256,
      size,
      new Date().toISOString(),
    );
    return (
      this.#get("SELECT 1 AS found FROM blobs WHERE sha256 = ? AND state = 'verified'", sha256) !== undefined
    );
  }

  claimGarbage(cutoff: Date, limit: number): BlobRecord[] {
    return this.#transaction(() => {
      const rows = this.#all(
        "SELECT * FROM blobs b WHERE state = 'verified' AND touched_at < ? AND NOT EXISTS (SELECT 1 FROM commit_files f WHERE f.sha256 = b.sha256) ORDER BY touched_at LIMIT ?",
        cutoff.toISOString(),
        limit,
      );
      for (const row of rows) {
        this.#change("UPDATE blobs SET state = 'deleting' WHERE sha256 = ?", str(row, 'sha256'));
      }
      return rows.map((row) => ({ ...toBlob(row), state: 'deleting' as const }));
    });
  }

  forgetBlob(sha256: string): void {
    this.#transaction(() => {
      if (this.#change("DELETE FROM blobs WHERE sha256 = ? AND state = 'deleting'", sha256) > 0) {
        this.#change('DELETE FROM repo_objects WHERE sha256 = ?', sha256);
      }
    });
  }

  recordUpload(upload: PendingUpload): void {
    this.#run(
      'INSERT INTO uploads (id, repo_id, sha256, size, parts, chunk_size, store_upload_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      upload.id,
      upload.repoId,
      upload.sha256,
      upload.size,
      upload.parts,
      upload.chunkSize,
      upload.storeUploadId,
      upload.createdAt,
      upload.expiresAt,
    );
  }

  getUpload(id: string): PendingUpload | undefined {
    const row = this.#get('SELECT * FROM uploads WHERE id = ?', id);
    return row === undefined ? undefined : toUpload(row);
  }

  pendingUploads(repoId: number, sha256: string): PendingUpload[] {
    return this.#all(
      'SELECT * FROM uploads WHERE repo_id = ? AND sha256 = ? ORDER BY created_at DESC',
      repoId,
      sha256,
    ).map(toUpload);
  }

  deleteUpload(id: string): void {
    this.#change('DELETE FROM uploads WHERE id = ?', id);
  }

  expiredUploads(before: Date, limit: number): PendingUpload[] {
    return this.#all(
      'SELECT * FROM uploads WHERE expires_at < ? ORDER BY expires_at LIMIT ?',
      before.toISOString(),
      limit,
    ).map(toUpload);
  }

  /** Takes the named lease for `holder` until `until`, if it is free or expired; whether it did. */
  takeLease(name: string, holder: string, until: Date): boolean {
    const now = new Date().toISOString();
    return (
      this.#change(
        'INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.expires_at < ? OR leases.holder = excluded.holder',
        name,
        holder,
        until.toISOString(),
        now,
      ) > 0
    );
  }

  releaseLease(name: string, holder: string): void {
    this.#change('DELETE FROM leases WHERE name = ? AND holder = ?', name, holder);
  }

  linkObject(repoId: number, sha256: string): void {
    this.#run('INSERT OR IGNORE INTO repo_objects (repo_id, sha256) VALUES (?, ?)', repoId, sha256);
  }

  hasObject(repoId: number, sha256: string): boolean {
    return (
      this.#get('SELECT 1 AS found FROM repo_objects WHERE repo_id = ? AND sha256 = ?', repoId, sha256) !==
      undefined
    );
  }

  setAlias(alias: Alias): void {
    this.#run(
      'INSERT INTO aliases (name, repo_type, repo, revision) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET repo_type = excluded.repo_type, repo = excluded.repo, revision = excluded.revision',
      alias.name,
      alias.repoType,
      alias.repo,
      alias.revision,
    );
  }

  getAlias(name: string): Alias | undefined {
    const row = this.#get('SELECT * FROM aliases WHERE name = ?', name);
    return row === undefined ? undefined : toAlias(row);
  }

  setting(key: string, create: () => string): string {
    return this.#transaction(() => {
      const row = this.#get('SELECT value FROM settings WHERE key = ?', key);
      if (row !== undefined) {
        return str(row, 'value');
      }
      const value = create();
      this.#run('INSERT INTO settings (key, value) VALUES (?, ?)', key, value);
      return value;
    });
  }

  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) {
      this.#db.close();
    }
  }
}
