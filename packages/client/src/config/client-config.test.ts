import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { cacheRootFor, endpointFolder, huggingFaceCacheRoot, resolveClientConfig } from './client-config.ts';

describe('resolveClientConfig', () => {
  it('takes the endpoint from the option, then HUB_ENDPOINT, then HF_ENDPOINT, then huggingface.co', () => {
    expect(resolveClientConfig({ endpoint: 'http://a:1/', env: { HUB_ENDPOINT: 'http://b' } }).endpoint).toBe(
      'http://a:1',
    );
    expect(resolveClientConfig({ env: { HUB_ENDPOINT: 'http://b', HF_ENDPOINT: 'http://c' } }).endpoint).toBe(
      'http://b',
    );
    expect(resolveClientConfig({ env: { HF_ENDPOINT: 'http://c' } }).endpoint).toBe('http://c');
    expect(resolveClientConfig({ env: { HOME: '/h' } }).endpoint).toBe('https://huggingface.co');
  });

  it('takes the token scoped to the endpoint: option, HUB_TOKEN, HF_TOKEN (huggingface.co), the login store', () => {
    const stores = { login: () => 'hf_stored', huggingFaceFile: () => undefined };
    const hf = { endpoint: 'https://huggingface.co' };
    expect(resolveClientConfig({ ...hf, token: 'hf_a', env: { HUB_TOKEN: 'hf_b' } }, stores)).toMatchObject({
      token: 'hf_a',
      tokenSource: '--token',
    });
    expect(resolveClientConfig({ ...hf, env: { HUB_TOKEN: 'hf_b', HF_TOKEN: 'hf_c' } }, stores).token).toBe(
      'hf_b',
    );
    expect(resolveClientConfig({ ...hf, env: { HF_TOKEN: 'hf_c' } }, stores).token).toBe('hf_c');
    expect(resolveClientConfig({ ...hf, env: {} }, stores)).toMatchObject({
      token: 'hf_stored',
      tokenSource: 'hub login',
    });
    expect(resolveClientConfig({ endpoint: 'http://a:1', env: { HF_TOKEN: 'hf_c' } }, stores)).toMatchObject({
      token: 'hf_stored',
      skippedTokens: [{ source: 'HF_TOKEN' }],
    });
  });

  it('reads offline mode from HUB_OFFLINE and HF_HUB_OFFLINE unless the option says otherwise', () => {
    expect(resolveClientConfig({ env: { HUB_OFFLINE: '1' } }).offline).toBe(true);
    expect(resolveClientConfig({ env: { HF_HUB_OFFLINE: 'true' } }).offline).toBe(true);
    expect(resolveClientConfig({ env: { HF_HUB_OFFLINE: '0' } }).offline).toBe(false);
    expect(resolveClientConfig({ offline: false, env: { HUB_OFFLINE: '1' } }).offline).toBe(false);
  });

  it('refuses endpoints that are not http(s) URLs', () => {
    expect(() => resolveClientConfig({ endpoint: 'ftp://x', env: {} })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
    expect(() => resolveClientConfig({ endpoint: 'not a url', env: {} })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
  });
});

describe('cache roots', () => {
  it('uses the Hugging Face cache for huggingface.co, as the official clients resolve it', () => {
    expect(huggingFaceCacheRoot({ HF_HUB_CACHE: '/x', HF_HOME: '/y' })).toBe('/x');
    expect(huggingFaceCacheRoot({ HF_HOME: '/y' })).toBe(join('/y', 'hub'));
    expect(huggingFaceCacheRoot({ XDG_CACHE_HOME: '/c' })).toBe(join('/c', 'huggingface', 'hub'));
    expect(huggingFaceCacheRoot({ HOME: '/h' })).toBe(join('/h', '.cache', 'huggingface', 'hub'));
    expect(cacheRootFor('https://huggingface.co', undefined, { HF_HUB_CACHE: '/x' })).toBe('/x');
  });

  it('gives every other registry its own folder under HUB_CACHE, keyed by host and port', () => {
    expect(endpointFolder('http://127.0.0.1:8080')).toBe('127.0.0.1_8080');
    expect(endpointFolder('https://hub.example.com')).toBe('hub.example.com');
    expect(endpointFolder('http://[::1]:9')).toBe('--1_9');
    expect(cacheRootFor('http://127.0.0.1:8080', undefined, { HUB_CACHE: '/m' })).toBe(
      join('/m', '127.0.0.1_8080'),
    );
    expect(cacheRootFor('https://hub.example.com', undefined, { HOME: '/h' })).toBe(
      join('/h', '.cache', 'modelhub', 'hub.example.com'),
    );
    expect(cacheRootFor('http://127.0.0.1:8080', '/d', { HUB_CACHE: '/m' })).toBe(
      join('/d', '127.0.0.1_8080'),
    );
  });
});
