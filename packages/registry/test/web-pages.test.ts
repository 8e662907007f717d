import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRegistryApp, openRegistry, type Registry, type Repo } from '../src/index.ts';

// The web pages through fastify.inject: status codes, headers, escaping, visibility and the
// session/CSRF rules, on a real registry (SQLite and blob store in a temp folder). The same pages
// are exercised in Chromium by packages/cli/test/web-pages.slow.test.ts.

let dir: string;
let registry: Registry;
let app: FastifyInstance;
let tlsApp: FastifyInstance;
let aliceWrite: string;
let aliceRead: string;

const html = { accept: 'text/html' };

async function seed(
  namespace: string,
  name: string,
  card: string,
  options: { private?: boolean } = {},
): Promise<Repo> {
  await registry.metadata.ensureAccount(namespace, 'user');
  const repo = await registry.repos.createAs(namespace, 'model', namespace, name, options.private === true);
  await registry.commits.commitAs(namespace, repo, 'main', { summary: `Add ${name}`, description: '' }, [
    { kind: 'file', path: 'README.md', content: Buffer.from(card) },
    { kind: 'file', path: 'picture.png', content: Buffer.from('not really a png') },
    { kind: 'file', path: 'weights.bin', content: Buffer.from([0, 1, 2, 3]) },
  ]);
  return (await registry.metadata.getRepo('model', namespace, name)) ?? repo;
}

const headCard = (base: string): string =>
  `---\nbase_model: ${base}\nlibrary_name: onnx\ntags:\n  - modelhub-head\n---\n# a head\n`;

/** The Set-Cookie headers of a response, by cookie name. */
function cookiesOf(res: LightMyRequestResponse): Map<string, string> {
  const raw = res.headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return new Map(list.map((c) => [c.split('=')[0] ?? '', c]));
}

function cookieHeader(res: LightMyRequestResponse, ...more: string[]): string {
  return [...res.cookies.map((c) => `${c.name}=${c.value}`), ...more].join('; ');
}

/** The hidden CSRF field of the first form on a page. */
function csrfOf(body: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
}

/** Logs in through the form and returns the cookies to send afterwards. */
async function logIn(target: FastifyInstance, token: string): Promise<string> {
  const form = await target.inject({ url: '/login', headers: html });
  const res = await target.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(form) },
    payload: new URLSearchParams({ _csrf: csrfOf(form.body), token, next: '/alice' }).toString(),
  });
  expect(res.statusCode).toBe(303);
  expect(res.headers.location).toBe('/alice');
  return cookieHeader(form, ...res.cookies.map((c) => `${c.name}=${c.value}`));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelhub-web-'));
  registry = await openRegistry(join(dir, 'data'));
  app = createRegistryApp(registry);
  tlsApp = createRegistryApp(registry, { publicUrl: 'https://hub.example' });
  aliceWrite = await registry.access.createToken('alice', 'write', { displayName: 'laptop' });
  aliceRead = await registry.access.createToken('alice', 'read', { displayName: 'reader' });
  await seed(
    'org',
    'backbone',
    '---\nlibrary_name: onnx\npipeline_tag: image-classification\n---\n# Backbone\n',
  );
  await seed('alice', 'public-head', headCard('org/backbone'));
  await seed('alice', 'secret-head', headCard('org/backbone'), { private: true });
  await seed(
    'alice',
    'xss',
    '---\nlicense: "<script>alert(1)</script>"\ntags:\n  - "\\"><img src=x onerror=alert(1)>"\n---\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n',
  );
});

afterAll(async () => {
  await app.close();
  await tlsApp.close();
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe('page headers', () => {
  it('sends a strict CSP, nosniff and no CORS on pages, and keeps the API untouched', async () => {
    const page = await app.inject({ url: '/models', headers: html });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "frame-ancestors 'none'",
      "form-action 'self'",
      "base-uri 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    expect(page.headers['strict-transport-security']).toBeUndefined();
    // No inline script or style anywhere in the markup.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page.body).not.toMatch(/<style|\sstyle=/);

    const api = await app.inject({ url: '/api/models' });
    expect(api.headers['content-security-policy']).toBeUndefined();
    expect(api.headers['access-control-allow-origin']).toBe('*');
  });

  it('serves repo files with a sandbox CSP and nosniff, pictures with their type, html/svg/xml as attachments', async () => {
    const picture = await app.inject({ url: '/org/backbone/resolve/main/picture.png' });
    expect(picture.headers['content-type']).toBe('image/png');
    expect(picture.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    );
    expect(picture.headers['x-content-type-options']).toBe('nosniff');
    expect(picture.headers['content-disposition']).toMatch(/^inline;/);
    const card = await app.inject({ url: '/org/backbone/raw/main/README.md' });
    expect(card.headers['content-type']).toBe('application/octet-stream');
    expect(card.headers['content-security-policy']).toContain('sandbox');
  });

  it('sends HSTS and __Host- cookies only when the registry is served over https', async () => {
    const plain = await app.inject({ url: '/login', headers: html });
    expect([...cookiesOf(plain).keys()]).toEqual(['modelhub-csrf']);
    expect(cookiesOf(plain).get('modelhub-csrf')).not.toMatch(/Secure/);
    const secure = await tlsApp.inject({ url: '/login', headers: html });
    expect(secure.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    const csrfCookie = cookiesOf(secure).get('__Host-modelhub-csrf') ?? '';
    expect(csrfCookie).toMatch(/; Path=\//);
    expect(csrfCookie).toMatch(/; HttpOnly/);
    expect(csrfCookie).toMatch(/; Secure/);
    expect(csrfCookie).toMatch(/; SameSite=Lax/);
    expect(csrfCookie).not.toMatch(/Domain=/);
  });

  it('answers unknown URLs with an HTML 404 for browsers and JSON for clients', async () => {
    const browser = await app.inject({ url: '/no/such/page/here', headers: html });
    expect(browser.statusCode).toBe(404);
    expect(browser.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(browser.headers['content-security-policy']).toContain("default-src 'none'");
    const client = await app.inject({ url: '/api/nothing-here' });
    expect(client.statusCode).toBe(404);
    expect(client.json()).toEqual({ error: 'No route for GET /api/nothing-here' });
  });
});

describe('escaping', () => {
  it('escapes front-matter values and sanitizes the card body', async () => {
    const res = await app.inject({ url: '/alice/xss', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(res.body).not.toContain('<script>alert');
    expect(res.body).not.toMatch(/<img[^>]*onerror/);
    expect(res.body).not.toMatch(/href="javascript:/);
  });

  it('escapes the search text it shows back', async () => {
    const res = await app.inject({
      url: '/models?search=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      headers: html,
    });
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
  });
});

describe('private repos', () => {
  it('are a 404 to everyone else on every page, the same as a missing repo', async () => {
    for (const url of [
      '/alice/secret-head',
      '/alice/secret-head/tree/main',
      '/alice/secret-head/blob/main/README.md',
      '/alice/secret-head/commits/main',
    ]) {
      const hidden = await app.inject({ url, headers: html });
      expect(hidden.statusCode, url).toBe(404);
      expect(hidden.body, url).not.toContain('secret-head</a>');
      const missing = await app.inject({ url: url.replace('secret-head', 'nothing-here'), headers: html });
      expect(missing.statusCode).toBe(404);
    }
  });

  it('are left out of search, owner pages, counts and a backbone heads list', async () => {
    const search = await app.inject({ url: '/models?search=head', headers: html });
    expect(search.body).toContain('alice/public-head');
    expect(search.body).not.toContain('secret-head');
    expect(search.body).toMatch(/1\s+model\s+matching/);
    const owner = await app.inject({ url: '/alice', headers: html });
    expect(owner.body).not.toContain('secret-head');
    expect(owner.body).toMatch(/2\s+models/);
    const backbone = await app.inject({ url: '/org/backbone', headers: html });
    expect(backbone.body).toContain('Heads trained on this model (1)');
    expect(backbone.body).toContain('alice/public-head');
    expect(backbone.body).not.toContain('secret-head');
  });

  it('are shown to their owner after login, with a private badge', async () => {
    const cookie = await logIn(app, aliceWrite);
    const backbone = await app.inject({ url: '/org/backbone', headers: { ...html, cookie } });
    expect(backbone.body).toContain('Heads trained on this model (2)');
    expect(backbone.body).toContain('alice/secret-head');
    const page = await app.inject({ url: '/alice/secret-head', headers: { ...html, cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('class="badge private"');
    // Another account's session does not see them.
    const bob = await registry.access.createToken('bob', 'write');
    const bobCookie = await logIn(app, bob).catch(() => '');
    const asBob = await app.inject({ url: '/alice/secret-head', headers: { ...html, cookie: bobCookie } });
    expect(asBob.statusCode).toBe(404);
  });
});

describe('sessions and CSRF', () => {
  it('refuses a wrong token, and sets an HttpOnly SameSite=Lax session cookie for a right one', async () => {
    const form = await app.inject({ url: '/login', headers: html });
    const wrong = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(form) },
      payload: new URLSearchParams({ _csrf: csrfOf(form.body), token: 'hf_wrong' }).toString(),
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('not valid');
    expect(cookiesOf(wrong).has('modelhub-session')).toBe(false);
    const right = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(form) },
      payload: new URLSearchParams({
        _csrf: csrfOf(form.body),
        token: aliceWrite,
        next: '//evil.example/x',
      }).toString(),
    });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('/');
    const session = cookiesOf(right).get('modelhub-session') ?? '';
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Path=\//);
    expect(session).not.toMatch(/Secure/);
  });

  it('refuses every POST without its CSRF token, or from another site, with a 403', async () => {
    const cookie = await logIn(app, aliceWrite);
    const tokens = await app.inject({ url: '/settings/tokens', headers: { ...html, cookie } });
    const csrf = csrfOf(tokens.body);
    const id = (await registry.metadata.listTokens('alice')).find((t) => t.displayName === 'reader')?.id ?? 0;
    const post = (url: string, fields: Record<string, string>, extra: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...extra },
        payload: new URLSearchParams(fields).toString(),
      });
    for (const [url, fields] of [
      ['/settings/tokens/revoke', { id: String(id) }],
      ['/settings/tokens', { name: 'x', role: 'write' }],
      ['/logout', {}],
      ['/login', { token: aliceWrite }],
    ] as const) {
      const missing = await post(url, fields);
      expect(missing.statusCode, url).toBe(403);
      expect(missing.body).toContain('security token');
      const wrong = await post(url, { ...fields, _csrf: `${csrf}x` });
      expect(wrong.statusCode, url).toBe(403);
    }
    const crossSite = await post(
      '/settings/tokens/revoke',
      { id: String(id), _csrf: csrf },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.statusCode).toBe(403);
    expect((await registry.metadata.listTokens('alice')).some((t) => t.id === id)).toBe(true);
  });

  it('creates a token once, lists tokens with last use, revokes one, and ends sessions of a revoked token', async () => {
    const cookie = await logIn(app, aliceWrite);
    const page = await app.inject({ url: '/settings/tokens', headers: { ...html, cookie } });
    expect(page.body).toContain('laptop');
    expect(page.body).toContain('this session');
    const created = await app.inject({
      method: 'POST',
      url: '/settings/tokens',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ _csrf: csrfOf(page.body), name: 'ci', role: 'read' }).toString(),
    });
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = /<pre id="new-token-value"><code>(hf_\w+)<\/code>/.exec(created.body)?.[1] ?? '';
    expect((await registry.access.authenticate(`Bearer ${secret}`)).kind).toBe('account');
    const again = await app.inject({ url: '/settings/tokens', headers: { ...html, cookie } });
    expect(again.body).not.toContain(secret);
    const ciRow = /<tr>\s*<th scope="row">\s*ci\s*<\/th>[\s\S]*?<\/tr>/.exec(again.body)?.[0] ?? '';
    expect(ciRow).toMatch(/<td>read<\/td>/);
    // Created, and used once (the authenticate call above): both times are shown.
    expect(ciRow.match(/<time /g)?.length).toBe(2);

    // A session opened with the read token: it may look, not manage.
    const readCookie = await logIn(app, aliceRead);
    const readPage = await app.inject({ url: '/settings/tokens', headers: { ...html, cookie: readCookie } });
    expect(readPage.body).toContain('opened with a read token');
    const refused = await app.inject({
      method: 'POST',
      url: '/settings/tokens',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: readCookie },
      payload: new URLSearchParams({
        _csrf: csrfOf(readPage.body),
        name: 'escalate',
        role: 'write',
      }).toString(),
    });
    expect(refused.statusCode).toBe(403);

    // Revoking the read token ends that session.
    const readId =
      (await registry.metadata.listTokens('alice')).find((t) => t.displayName === 'reader')?.id ?? 0;
    const revoke = await app.inject({
      method: 'POST',
      url: '/settings/tokens/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ _csrf: csrfOf(again.body), id: String(readId) }).toString(),
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.body).toContain('Token revoked');
    const ended = await app.inject({ url: '/settings/tokens', headers: { ...html, cookie: readCookie } });
    expect(ended.statusCode).toBe(303);
    expect(ended.headers.location).toBe('/login?next=%2Fsettings%2Ftokens');
    await expect(registry.access.authenticate(`Bearer ${aliceRead}`)).rejects.toThrow(/Invalid credentials/);
  });

  it('logs out: the session row is gone, so the old cookie opens nothing', async () => {
    const cookie = await logIn(app, aliceWrite);
    const page = await app.inject({ url: '/alice', headers: { ...html, cookie } });
    const out = await app.inject({
      method: 'POST',
      url: '/logout',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      payload: new URLSearchParams({ _csrf: csrfOf(page.body) }).toString(),
    });
    expect(out.statusCode).toBe(303);
    expect(cookiesOf(out).get('modelhub-session')).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
    const after = await app.inject({ url: '/alice/secret-head', headers: { ...html, cookie } });
    expect(after.statusCode).toBe(404);
  });
});

describe('download counting', () => {
  it('counts model files, not the card or pictures a page shows', async () => {
    const before = (await registry.metadata.getRepo('model', 'org', 'backbone'))?.downloads ?? 0;
    await app.inject({ url: '/org/backbone/resolve/main/picture.png' });
    await app.inject({ url: '/org/backbone/resolve/main/README.md' });
    await app.inject({ url: '/org/backbone/resolve/main/weights.bin' });
    await app.inject({ url: '/org/backbone', headers: html });
    // Counts are written once per turn of the event loop; closing the page request flushed them.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    const after = (await registry.metadata.getRepo('model', 'org', 'backbone'))?.downloads ?? 0;
    expect(after - before).toBe(1);
  });
});
