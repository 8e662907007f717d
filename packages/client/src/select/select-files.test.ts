import { describe, expect, it } from 'vitest';

import type { FileEntry } from '@modelhub/core';

import { globMatcher, selectFiles, tfjsShards } from './select-files.ts';

function files(...paths: string[]): FileEntry[] {
  return paths.map((path) => ({ path, size: 1, lfs: false, gitOid: 'a'.repeat(40) }));
}

const noModelJson = (): Promise<string> => Promise.reject(new Error('not a TF.js repo'));

describe('selectFiles', () => {
  const onnxRepo = files(
    '.gitattributes',
    'README.md',
    'config.json',
    'preprocessor_config.json',
    'onnx/model.onnx',
    'onnx/model.onnx_data',
    'onnx/model_quantized.onnx',
    'onnx/model_fp16.onnx',
    'pytorch_model.bin',
    'model.safetensors',
  );

  it('picks the fp32 ONNX model, its external data and every file that is not a weight by default', async () => {
    const chosen = await selectFiles(onnxRepo, {}, noModelJson);
    expect(chosen.map((f) => f.path)).toEqual([
      '.gitattributes',
      'README.md',
      'config.json',
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'preprocessor_config.json',
    ]);
  });

  it('picks a quantised variant by its Transformers.js suffix', async () => {
    const chosen = await selectFiles(onnxRepo, { variant: 'q8' }, noModelJson);
    expect(chosen.map((f) => f.path).filter((p) => p.endsWith('.onnx'))).toEqual([
      'onnx/model_quantized.onnx',
    ]);
    await expect(selectFiles(onnxRepo, { variant: 'q4' }, noModelJson)).rejects.toMatchObject({
      code: 'ENTRY_NOT_FOUND',
      hint: expect.stringContaining('q8') as string,
    });
  });

  it('for TF.js takes model.json and exactly the shards it lists', async () => {
    const repo = files(
      '.gitattributes',
      'model.json',
      'group1-shard1of2.bin',
      'group1-shard2of2.bin',
      'old-shard.bin',
      'README.md',
    );
    const manifest = JSON.stringify({
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'] }],
    });
    const chosen = await selectFiles(repo, {}, () => Promise.resolve(manifest));
    expect(chosen.map((f) => f.path)).toEqual([
      '.gitattributes',
      'README.md',
      'group1-shard1of2.bin',
      'group1-shard2of2.bin',
      'model.json',
    ]);
  });

  it('fails when model.json lists a shard the repository lacks', async () => {
    const manifest = JSON.stringify({ weightsManifest: [{ paths: ['gone.bin'] }] });
    await expect(selectFiles(files('model.json'), {}, () => Promise.resolve(manifest))).rejects.toMatchObject(
      {
        code: 'ENTRY_NOT_FOUND',
      },
    );
  });

  it('applies include then exclude; a pattern without "/" also matches base names', async () => {
    const chosen = await selectFiles(
      onnxRepo,
      { include: ['*.onnx'], exclude: ['*_fp16.onnx'] },
      noModelJson,
    );
    expect(chosen.map((f) => f.path)).toEqual(['onnx/model.onnx', 'onnx/model_quantized.onnx']);
    expect(globMatcher(['onnx/*'])('onnx/model.onnx')).toBe(true);
    expect(globMatcher(['onnx/*'])('model.onnx')).toBe(false);
  });

  it('resolves shard paths relative to model.json', () => {
    expect(tfjsShards('web/model.json', JSON.stringify({ weightsManifest: [{ paths: ['a.bin'] }] }))).toEqual(
      ['web/a.bin'],
    );
    expect(() => tfjsShards('model.json', 'nope')).toThrow(
      expect.objectContaining({ code: 'INVALID_MANIFEST' }) as Error,
    );
  });
});
