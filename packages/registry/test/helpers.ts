import { sha256 } from '@modelhub/core';

/** A small NDJSON commit body as the official clients send it. */
export function ndjson(lines: readonly { key: string; value: Record<string, unknown> }[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n');
}

/** POSTs a commit and returns the raw response. */
export function postCommit(
  url: string,
  repo: string,
  token: string,
  lines: readonly { key: string; value: Record<string, unknown> }[],
  branch = 'main',
): Promise<Response> {
  return fetch(`${url}/api/models/${repo}/commit/${encodeURIComponent(branch)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: ndjson(lines),
  });
}

/** One object of an LFS batch answer. */
export interface BatchObject {
  oid: string;
  actions?: { upload: { href: string; header?: Record<string, string> }; verify?: { href: string } };
  error?: { code: number; message: string };
}

/** Asks the LFS batch endpoint for upload actions. */
export async function lfsBatch(
  url: string,
  repo: string,
  token: string,
  objects: readonly { oid: string; size: number }[],
): Promise<{
  objects: BatchObject[];
}> {
  const res = await fetch(`${url}/${repo}.git/info/lfs/objects/batch`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/vnd.git-lfs+json',
      'content-type': 'application/vnd.git-lfs+json',
    },
    body: JSON.stringify({
      operation: 'upload',
      transfers: ['basic', 'multipart'],
      hash_algo: 'sha_256',
      objects,
    }),
  });
  if (!res.ok) {
    throw new Error(`batch failed: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as { objects: BatchObject[] };
}

/** The head commit sha of a repo's main branch. */
export async function headOf(url: string, repo: string, token?: string): Promise<string> {
  const res = await fetch(`${url}/api/models/${repo}/revision/main`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { sha: string };
  return body.sha;
}

export function bytesOf(text: string): { content: string; oid: string; size: number } {
  const bytes = Buffer.from(text);
  return { content: bytes.toString('base64'), oid: sha256(bytes), size: bytes.byteLength };
}
