/** Wire shapes of the Hub protocol, exactly as sent (hub-protocol.md §4–§9). */

export interface ApiLfsInfo {
  oid: string;
  size: number;
  pointerSize: number;
}

export interface ApiLastCommit {
  id: string;
  title: string;
  date: string;
}

export interface ApiTreeEntry {
  type: 'file' | 'directory';
  path: string;
  oid: string;
  size: number;
  lfs?: ApiLfsInfo;
  lastCommit?: ApiLastCommit;
}

export interface ApiSibling {
  rfilename: string;
  size?: number;
  blobId?: string;
  lfs?: { sha256: string; size: number; pointerSize: number };
}

export interface ApiModelInfo {
  _id: string;
  id: string;
  modelId?: string;
  author?: string;
  sha?: string;
  lastModified?: string;
  createdAt?: string;
  private?: boolean;
  gated?: false;
  disabled?: boolean;
  downloads?: number;
  downloadsAllTime?: number;
  likes?: number;
  tags?: string[];
  pipeline_tag?: string | null;
  library_name?: string | null;
  cardData?: Record<string, unknown> | null;
  siblings?: ApiSibling[];
}

export interface ApiWhoAmI {
  type: 'user' | 'org';
  id: string;
  name: string;
  fullname: string;
  email: string | null;
  emailVerified: boolean;
  isPro: boolean;
  canPay: boolean;
  avatarUrl: string;
  orgs: { type: 'org'; id: string; name: string; fullname: string; avatarUrl: string; roleInOrg: string }[];
  auth: {
    type: 'access_token';
    accessToken: { displayName: string; role: 'read' | 'write'; createdAt: string };
  };
}

export interface ApiCommitResponse {
  commitOid: string;
  commitUrl: string;
  hookOutput: string;
  success: true;
}

export interface ApiLfsBatchObject {
  oid: string;
  size: number;
  authenticated?: true;
  actions?: {
    upload: { href: string; header?: Record<string, string>; expires_in: number };
    verify?: { href: string; header?: Record<string, string> };
  };
  error?: { code: number; message: string };
}

export interface ApiAlias {
  alias: string;
  repo: string;
  revision: string | null;
}

export interface ApiRef {
  name: string;
  ref: string;
  targetCommit: string;
}

export interface ApiRefs {
  branches: ApiRef[];
  tags: ApiRef[];
  converts: ApiRef[];
}

export interface ApiCommitEntry {
  id: string;
  title: string;
  message: string;
  authors: { user: string; avatar?: string }[];
  date: string;
}
