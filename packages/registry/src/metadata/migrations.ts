/**
 * The SQLite schema, as an append-only list of migrations. Never edit a shipped entry; add one.
 * `user_version` records how many have run.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK (type IN ('user', 'org')),
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE TABLE org_members (
    org TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
    member TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
    PRIMARY KEY (org, member)
  );
  CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('read', 'write')),
    display_name TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE repos (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    full_id TEXT NOT NULL,
    private INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    downloads INTEGER NOT NULL DEFAULT 0,
    likes INTEGER NOT NULL DEFAULT 0,
    library_name TEXT,
    pipeline_tag TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    UNIQUE (type, namespace, name)
  );
  CREATE TABLE commits (
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    sha TEXT NOT NULL,
    parent TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    tree_sha TEXT NOT NULL,
    card_data TEXT,
    PRIMARY KEY (repo_id, sha)
  );
  CREATE TABLE commit_files (
    repo_id INTEGER NOT NULL,
    commit_sha TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    git_oid TEXT NOT NULL,
    lfs INTEGER NOT NULL,
    last_commit TEXT NOT NULL,
    PRIMARY KEY (repo_id, commit_sha, path),
    FOREIGN KEY (repo_id, commit_sha) REFERENCES commits(repo_id, sha) ON DELETE CASCADE
  );
  CREATE INDEX commit_files_blob ON commit_files(sha256);
  CREATE TABLE refs (
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('branch', 'tag')),
    name TEXT NOT NULL,
    commit_sha TEXT NOT NULL,
    PRIMARY KEY (repo_id, kind, name)
  );
  CREATE TABLE aliases (
    name TEXT PRIMARY KEY,
    repo_type TEXT NOT NULL,
    repo TEXT NOT NULL,
    revision TEXT
  );
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // LFS objects a repo may reference: uploaded to it (proof of possession) or already in its
  // history. Without it, knowing a sha256 would be enough to pull a private file into your repo.
  `
  CREATE TABLE repo_objects (
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (repo_id, sha256)
  );
  INSERT OR IGNORE INTO repo_objects (repo_id, sha256) SELECT repo_id, sha256 FROM commit_files;
  `,
  // Blob rows make garbage collection safe next to running uploads and commits: a blob is
  // usable only while its row is 'verified', GC claims a row ('deleting') with a conditional
  // update before removing the bytes, and every use touches the row (Harbor's scheme). Pending
  // uploads are remembered so abandoned ones can be swept; leases elect one GC leader.
  `
  CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('verified', 'deleting')),
    touched_at TEXT NOT NULL
  );
  INSERT OR IGNORE INTO blobs (sha256, size, state, touched_at)
    SELECT sha256, MAX(size), 'verified', strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM commit_files GROUP BY sha256;
  CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    repo_id INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    parts INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL,
    store_upload_id TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX uploads_object ON uploads(repo_id, sha256);
  CREATE INDEX uploads_expiry ON uploads(expires_at);
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  `,
  // Web pages: browser sessions opened by pasting a token (a session acts with that token's
  // rights and ends with it), and when each token was last used.
  `
  ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
  CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    token_id INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX web_sessions_token ON web_sessions(token_id);
  CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);
  `,
];
