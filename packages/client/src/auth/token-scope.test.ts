import { describe, expect, it } from 'vitest';

import { missingTokenHint, resolveToken, type TokenStores } from './token-scope.ts';

const HF = 'https://huggingface.co';
const LOCAL = 'http://127.0.0.1:8080';
const COMPANY = 'https://hub.example.com';
const none: TokenStores = { login: () => undefined, huggingFaceFile: () => undefined };

function scoped(
  endpoint: string,
  env: Record<string, string>,
  extra: Parameters<typeof resolveToken>[1] = {},
) {
  return resolveToken(endpoint, extra, env, none);
}

describe('resolveToken: a token only goes to the registry it belongs to', () => {
  it('sends HF_TOKEN to huggingface.co and never to another registry', () => {
    expect(scoped(HF, { HF_TOKEN: 'hf_secret' })).toMatchObject({ token: 'hf_secret', source: 'HF_TOKEN' });
    const local = scoped(LOCAL, { HF_TOKEN: 'hf_secret', HUB_ENDPOINT: LOCAL });
    expect(local.token).toBeUndefined();
    expect(local.skipped).toEqual([{ source: 'HF_TOKEN', reason: 'it is only sent to huggingface.co' }]);
    expect(scoped(COMPANY, { HF_TOKEN: 'hf_secret' }).token).toBeUndefined();
  });

  it('sends HF_TOKEN to HF_ENDPOINT when the user set it, as the official client does', () => {
    expect(scoped(LOCAL, { HF_TOKEN: 'hf_mirror', HF_ENDPOINT: `${LOCAL}/` })).toMatchObject({
      token: 'hf_mirror',
      source: 'HF_TOKEN',
    });
    // HF_ENDPOINT names one registry; another one still gets nothing.
    expect(scoped(COMPANY, { HF_TOKEN: 'hf_mirror', HF_ENDPOINT: LOCAL }).token).toBeUndefined();
  });

  it('treats the Hugging Face token file like HF_TOKEN', () => {
    const stores: TokenStores = { login: () => undefined, huggingFaceFile: () => 'hf_file' };
    expect(resolveToken(HF, {}, {}, stores)).toMatchObject({ token: 'hf_file', source: 'HF token file' });
    const local = resolveToken(LOCAL, {}, {}, stores);
    expect(local.token).toBeUndefined();
    expect(local.skipped[0]?.source).toBe('HF token file');
    expect(resolveToken(LOCAL, {}, { HF_ENDPOINT: LOCAL }, stores).token).toBe('hf_file');
  });

  it('sends HUB_TOKEN to HUB_ENDPOINT only, or to the call when no HUB_ENDPOINT is set', () => {
    expect(scoped(LOCAL, { HUB_TOKEN: 'hf_local', HUB_ENDPOINT: LOCAL })).toMatchObject({
      token: 'hf_local',
      source: 'HUB_TOKEN',
    });
    const elsewhere = scoped(COMPANY, { HUB_TOKEN: 'hf_local', HUB_ENDPOINT: LOCAL });
    expect(elsewhere.token).toBeUndefined();
    expect(elsewhere.skipped[0]?.reason).toBe(`it is only sent to HUB_ENDPOINT (${LOCAL})`);
    expect(scoped(COMPANY, { HUB_TOKEN: 'hf_any' }).token).toBe('hf_any');
  });

  it('keeps --token and an unscoped HUB_TOKEN from registries the client found on its own', () => {
    expect(scoped(LOCAL, {}, { token: 'hf_given', tokenEndpoint: LOCAL }).token).toBe('hf_given');
    expect(scoped(COMPANY, {}, { token: 'hf_given', tokenEndpoint: LOCAL }).token).toBeUndefined();
    expect(scoped(COMPANY, { HUB_TOKEN: 'hf_env' }, { tokenEndpoint: LOCAL }).token).toBeUndefined();
  });

  it('uses the hub login token stored for exactly this endpoint', () => {
    const stores: TokenStores = {
      login: (endpoint) => (endpoint === LOCAL ? 'hf_login' : undefined),
      huggingFaceFile: () => undefined,
    };
    expect(resolveToken(LOCAL, {}, { HF_TOKEN: 'hf_secret' }, stores)).toMatchObject({
      token: 'hf_login',
      source: 'hub login',
    });
    expect(resolveToken(COMPANY, {}, {}, stores).token).toBeUndefined();
  });

  it('explains in the hint which tokens stayed home', () => {
    const { skipped } = scoped(LOCAL, { HF_TOKEN: 'hf_secret' });
    const hint = missingTokenHint(LOCAL, skipped);
    expect(hint).toContain('HF_TOKEN is set, but it is only sent to huggingface.co');
    expect(hint).not.toContain('hf_secret');
  });
});
