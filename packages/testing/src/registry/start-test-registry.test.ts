import { listModels, modelInfo, whoAmI } from '@huggingface/hub';
import { describe, expect, it } from 'vitest';

import { startTestRegistry } from './start-test-registry.ts';

describe('startTestRegistry', () => {
  it('serves the seeded fixture models, their aliases, and working tokens', async () => {
    const hub = await startTestRegistry({ seed: true });
    try {
      expect(hub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const alias = await fetch(`${hub.url}/api/aliases/mobilenet`);
      expect(await alias.json()).toEqual({
        alias: 'mobilenet',
        repo: 'modelhub/mobilenet-v2',
        revision: null,
      });
      const info = await modelInfo({
        hubUrl: hub.url,
        name: 'modelhub/ppocr-rec',
        additionalFields: ['library_name', 'sha'],
      });
      expect(info.library_name).toBe('onnx');
      expect(info.sha).toMatch(/^[0-9a-f]{40}$/);
      const onnx = [];
      for await (const model of listModels({ hubUrl: hub.url, search: { tags: ['onnx'] } })) {
        onnx.push(model.name);
      }
      expect(onnx).toContain('modelhub/ppocr-rec');
      expect(onnx).not.toContain('modelhub/mobilenet-v2');
      const token = await hub.createToken('carol', true);
      expect((await whoAmI({ hubUrl: hub.url, accessToken: token })).name).toBe('carol');
      expect((await whoAmI({ hubUrl: hub.url, accessToken: hub.adminToken })).name).toBe('admin');
    } finally {
      await hub.close();
    }
  });

  it('imports only the named fixture models when given a list', async () => {
    const hub = await startTestRegistry({ seed: ['ppocr-cls'] });
    try {
      const names = [];
      for await (const model of listModels({ hubUrl: hub.url })) {
        names.push(model.name);
      }
      expect(names).toEqual(['modelhub/ppocr-cls']);
      expect((await fetch(`${hub.url}/api/aliases/ppocr-cls`)).status).toBe(200);
    } finally {
      await hub.close();
    }
  });
});
