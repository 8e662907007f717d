import { describe, expect, it } from 'vitest';

import { isModelhubError } from '../errors/modelhub-error.ts';
import { formatModelRef, isCommitSha, parseModelRef } from './model-ref.ts';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('parseModelRef', () => {
  it.each([
    ['resnet', { kind: 'alias', alias: 'resnet', revision: undefined }],
    ['resnet@v2', { kind: 'alias', alias: 'resnet', revision: 'v2' }],
    [
      'timm/resnet50.a1_in1k',
      { kind: 'repo', endpoint: undefined, namespace: 'timm', name: 'resnet50.a1_in1k', revision: undefined },
    ],
    [`me/head@${sha}`, { kind: 'repo', endpoint: undefined, namespace: 'me', name: 'head', revision: sha }],
    [
      'me/head@refs/pr/3',
      { kind: 'repo', endpoint: undefined, namespace: 'me', name: 'head', revision: 'refs/pr/3' },
    ],
    [
      'https://huggingface.co/org/m',
      { kind: 'repo', endpoint: 'https://huggingface.co', namespace: 'org', name: 'm', revision: undefined },
    ],
    [
      'https://huggingface.co/org/m/tree/dev',
      { kind: 'repo', endpoint: 'https://huggingface.co', namespace: 'org', name: 'm', revision: 'dev' },
    ],
    [
      'https://huggingface.co/org/m/resolve/main/onnx/model.onnx',
      { kind: 'repo', endpoint: 'https://huggingface.co', namespace: 'org', name: 'm', revision: 'main' },
    ],
    [
      'http://127.0.0.1:8080/hub/org/m@v1',
      { kind: 'repo', endpoint: 'http://127.0.0.1:8080/hub', namespace: 'org', name: 'm', revision: 'v1' },
    ],
    [
      '127.0.0.1:8080/org/m',
      { kind: 'repo', endpoint: 'http://127.0.0.1:8080', namespace: 'org', name: 'm', revision: undefined },
    ],
    [
      'hub.example.com/org/m@main',
      { kind: 'repo', endpoint: 'https://hub.example.com', namespace: 'org', name: 'm', revision: 'main' },
    ],
  ])('reads %s', (input, expected) => {
    expect(parseModelRef(input)).toEqual(expected);
  });

  it.each([
    '',
    'a/b/c',
    'a//b',
    '../etc/passwd',
    'org/-bad',
    'org/na..me',
    'org/m@',
    'org/m@a b',
    'ftp://host/a/b',
    'https://host/only',
  ])('refuses %j with INVALID_MODEL_REF', (input) => {
    let caught: unknown;
    try {
      parseModelRef(input);
    } catch (error) {
      caught = error;
    }
    expect(isModelhubError(caught) && caught.code).toBe('INVALID_MODEL_REF');
    expect(isModelhubError(caught) && caught.exitCode).toBe(1);
  });

  it.each(['resnet@v2', 'org/m', `org/m@${sha}`, 'http://127.0.0.1:9/org/m@dev'])(
    'round-trips %s',
    (input) => {
      const ref = parseModelRef(input);
      expect(parseModelRef(formatModelRef(ref))).toEqual(ref);
    },
  );

  it('recognises only full lowercase commit shas', () => {
    expect(isCommitSha(sha)).toBe(true);
    expect(isCommitSha(sha.toUpperCase())).toBe(false);
    expect(isCommitSha(sha.slice(0, 12))).toBe(false);
  });
});
