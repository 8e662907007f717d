import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';

import { startRegistry, type RunningRegistry } from '../src/index.ts';

// The official Python client cannot run here; these tests replay the exact requests
// huggingface_hub sends (hub-protocol.md §8–§10, §13) and check the fields it requires.
describe('the huggingface_hub (Python) request sequences', () => {
  let server: RunningRegistry;
  let dir: string;
  let token: string;
  let url: string;
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const weights = Buffer.alloc(70_000, 7);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-python-'));
    server = await startRegistry({ dataDir: join(dir, 'data'), port: 0 });
    url = server.url;
    token = await server.registry.access.createToken('py', 'write');
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('create_repo, then upload_folder with an LFS file, verify and a README', async () => {
    const create = () =>
      fetch(`${url}/api/repos/create`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'snake', organization: null, private: false }),
      });
    const created = (await (await create()).json()) as { url: string };
    expect(created.url).toBe(`${url}/py/snake`);
    expect((await create()).status).toBe(409);

    const readme = '---\nlibrary_name: onnx\n---\n# snake\n';
    const yaml = await fetch(`${url}/api/validate-yaml`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ content: readme, repoType: 'model' }),
    });
    expect(await yaml.json()).toEqual({ errors: [], warnings: [] });

    const pre = await fetch(`${url}/api/models/py/snake/preupload/main`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        files: [
          { path: 'README.md', size: readme.length, sample: Buffer.from(readme).toString('base64') },
          {
            path: 'model.onnx',
            size: weights.byteLength,
            sample: weights.subarray(0, 512).toString('base64'),
          },
        ],
        gitIgnore: '',
      }),
    });
    const modes = (await pre.json()) as {
      files: { path: string; uploadMode: string; shouldIgnore: boolean }[];
    };
    expect(modes.files.map((f) => [f.path, f.uploadMode, f.shouldIgnore])).toEqual([
      ['README.md', 'regular', false],
      ['model.onnx', 'lfs', false],
    ]);

    const oid = sha256(weights);
    const batch = await fetch(`${url}/py/snake.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: {
        ...auth(),
        accept: 'application/vnd.git-lfs+json',
        'content-type': 'application/vnd.git-lfs+json',
      },
      body: JSON.stringify({
        operation: 'upload',
        transfers: ['basic', 'multipart'],
        objects: [{ oid, size: weights.byteLength }],
        hash_algo: 'sha256',
        ref: { name: 'main' },
      }),
    });
    const batchBody = (await batch.json()) as {
      objects: {
        oid: string;
        size: number;
        actions: { upload: { href: string }; verify: { href: string } };
      }[];
    };
    const object = batchBody.objects[0];
    expect(typeof object?.oid).toBe('string');
    expect(typeof object?.size).toBe('number');
    // Python: a bare PUT, no Authorization, no headers from the batch answer.
    expect((await fetch(object?.actions.upload.href ?? '', { method: 'PUT', body: weights })).status).toBe(
      200,
    );
    const verify = await fetch(object?.actions.verify.href ?? '', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ oid, size: weights.byteLength }),
    });
    expect(verify.status).toBe(200);

    // Python ends every NDJSON line with "\n" and always sends a description.
    const lines = [
      { key: 'header', value: { summary: 'Upload folder using huggingface_hub', description: '' } },
      {
        key: 'file',
        value: { content: Buffer.from(readme).toString('base64'), path: 'README.md', encoding: 'base64' },
      },
      { key: 'lfsFile', value: { path: 'model.onnx', algo: 'sha256', oid, size: weights.byteLength } },
    ];
    const commit = await fetch(`${url}/api/models/py/snake/commit/main`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/x-ndjson' },
      body: lines.map((l) => `${JSON.stringify(l)}\n`).join(''),
    });
    const result = (await commit.json()) as { commitOid: string; commitUrl: string };
    const [repoUrl, sha] = result.commitUrl.split('/commit/');
    expect(repoUrl).toBe(`${url}/py/snake`);
    expect(sha).toBe(result.commitOid);

    // A server-side copy: lfsFile with the oid only.
    const copy = await fetch(`${url}/api/models/py/snake/commit/main`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify({ key: 'header', value: { summary: 'copy', description: '', parentCommit: result.commitOid } })}\n${JSON.stringify({ key: 'lfsFile', value: { path: 'copy/model.onnx', algo: 'sha256', oid } })}\n`,
    });
    expect(copy.status).toBe(200);
  });

  it('model_info, snapshot_download and hf_hub_download with resume', async () => {
    const info = (await (await fetch(`${url}/api/models/py/snake`, { headers: auth() })).json()) as {
      id: string;
      sha: string;
      siblings: { rfilename: string }[];
      library_name: string;
    };
    expect(info.id).toBe('py/snake');
    expect(info.library_name).toBe('onnx');
    expect(info.siblings.map((s) => s.rfilename)).toContain('copy/model.onnx');

    const files: {
      type: string;
      path: string;
      oid: string;
      size: number;
      lfs?: { oid: string; size: number; pointerSize: number };
    }[] = [];
    let next: string | undefined = `${url}/api/models/py/snake/tree/${info.sha}?recursive=true&expand=false`;
    while (next !== undefined) {
      const page: Response = await fetch(next, { headers: auth() });
      files.push(...((await page.json()) as typeof files));
      next = /<([^>]+)>;\s+rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    }
    const model = files.find((f) => f.path === 'model.onnx');
    expect(model).toMatchObject({
      type: 'file',
      size: weights.byteLength,
      lfs: { oid: sha256(weights), size: weights.byteLength },
    });
    expect(typeof model?.oid).toBe('string');

    const head = await fetch(`${url}/py/snake/resolve/${info.sha}/model.onnx`, {
      method: 'HEAD',
      headers: { ...auth(), 'accept-encoding': 'identity' },
      redirect: 'manual',
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-repo-commit')).toBe(info.sha);
    expect(head.headers.get('x-linked-etag')?.replace(/"/g, '')).toBe(sha256(weights));
    expect(head.headers.get('x-linked-size')).toBe(String(weights.byteLength));

    const resumed = await fetch(`${url}/py/snake/resolve/${info.sha}/model.onnx`, {
      headers: { ...auth(), range: 'bytes=60000-' },
    });
    expect(resumed.status).toBe(206);
    expect(Buffer.from(await resumed.arrayBuffer())).toEqual(weights.subarray(60000));
  });

  it('tells a Xet-enabled client to fall back to LFS', async () => {
    const res = await fetch(`${url}/api/models/py/snake/xet-write-token/main`, { headers: auth() });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-error-message')).toContain('HF_HUB_DISABLE_XET=1');
  });
});
