import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { commandOf, knownNotOnnx, modelArgument, runsAModel } from './early-start.ts';

const work = await mkdtemp(join(tmpdir(), 'modelhub-early-start-'));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('commandOf', () => {
  it('skips global options and the values of those that take one', () => {
    expect(commandOf(['--json', 'predict', 'head', 'a.png'])).toBe('predict');
    expect(commandOf(['--endpoint', 'http://127.0.0.1:1', 'eval', 'head'])).toBe('eval');
    expect(commandOf(['--cache-dir', '/tmp/c', '--token', 't', 'embed', 'm'])).toBe('embed');
    expect(commandOf(['--endpoint=http://x', 'train'])).toBe('train');
    expect(commandOf(['--', 'pull'])).toBe('pull');
    expect(commandOf(['--version'])).toBeUndefined();
    expect(commandOf([])).toBeUndefined();
  });
});

describe('runsAModel', () => {
  it('is true for the commands that open a model, false for the rest', () => {
    for (const command of ['predict', 'eval', 'embed', 'train', 'export']) {
      expect(runsAModel([command, 'x'])).toBe(true);
    }
    for (const args of [['pull', 'predict'], ['serve'], ['--endpoint', 'predict', 'ls'], ['--help']]) {
      expect(runsAModel(args)).toBe(false);
    }
  });
});

describe('modelArgument', () => {
  it("is train's --base, else the first word after the command", () => {
    expect(modelArgument(['predict', './head', 'a.png'])).toBe('./head');
    expect(modelArgument(['--json', 'eval', 'org/head@v1', '--data', 'd'])).toBe('org/head@v1');
    expect(modelArgument(['train', '--data', 'd', '--base', 'ppocr-rec', '--out', 'h'])).toBe('ppocr-rec');
    expect(modelArgument(['train', '--base=./mobilenet'])).toBe('./mobilenet');
    expect(modelArgument(['train', '--data', 'd'])).toBeUndefined();
  });
});

describe('knownNotOnnx', () => {
  const folder = async (name: string, files: Record<string, string>): Promise<string> => {
    const dir = join(work, name);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  };
  const head = (runtime: string): string =>
    JSON.stringify({ format: 'modelhub-head', feature: { tensor: 't', runtime } });

  it('knows heads over TF.js backbones and TF.js folders without an ONNX graph', async () => {
    expect(knownNotOnnx(await folder('tfjs-head', { 'modelhub.json': head('tfjs-layers') }))).toBe(true);
    expect(knownNotOnnx(await folder('graph-head', { 'modelhub.json': head('tfjs-graph') }))).toBe(true);
    expect(knownNotOnnx(await folder('tfjs-model', { 'model.json': '{}' }))).toBe(true);
  });

  it('leaves ONNX heads and models, both formats, unknown folders and registry references to the worker', async () => {
    expect(knownNotOnnx(await folder('onnx-head', { 'modelhub.json': head('onnx') }))).toBe(false);
    expect(knownNotOnnx(await folder('onnx-model', { 'model.onnx': '' }))).toBe(false);
    expect(knownNotOnnx(await folder('hf-layout', { 'model.json': '{}', 'onnx/model.onnx': '' }))).toBe(
      false,
    );
    expect(knownNotOnnx(await folder('plain', { 'README.md': '' }))).toBe(false);
    expect(knownNotOnnx(join(work, 'missing'))).toBe(false);
    expect(knownNotOnnx('modelhub/ppocr-rec')).toBe(false);
  });
});
