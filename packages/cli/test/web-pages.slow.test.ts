import { cp, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { commit, createRepo, listFiles, modelInfo, uploadFiles, type ListFileEntry } from '@huggingface/hub';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';
import {
  captureIo,
  ensureFixtures,
  launchTestBrowser,
  startTestRegistry,
  type TestBrowser,
  type TestRegistry,
} from '@modelhub/testing';

import type { Io } from '../src/output/error-boundary.ts';
import { runCli } from '../src/program.ts';

// The registry's web pages in a real Chromium (Debian's, driven by playwright-core): one
// registry and one browser for the whole file. A head is trained and pushed with the real
// `hub train` / `hub push`; every other repo is seeded through the official @huggingface/hub client.

const silent: Io = { stdout: () => undefined, stderr: () => undefined };

/** Markup that must never run: as a card body and as front-matter values. */
const xssBody = [
  '<script>window.__pwned = "script"; alert(1)</script>',
  '<img src=x onerror="window.__pwned = \'img\'; alert(1)">',
  '[link](javascript:alert(1)) [caps](JaVaScRiPt:alert(1)) <a href="jav&#x09;ascript:alert(1)">tab</a> <a href=" javascript:alert(1)">space</a>',
  '<svg onload="window.__pwned = \'svg\'; alert(1)"><circle r="5"/></svg>',
  '<iframe srcdoc="<script>parent.__pwned = \'iframe\'; alert(1)</script>"></iframe>',
  '<details open ontoggle="window.__pwned = \'details\'; alert(1)"><summary>open me</summary>toggled</details>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<div hx-get="/settings/tokens" hx-trigger="load" data-hx-post="/logout">htmx</div>',
  '<form action="/settings/tokens" method="post" id="login"><input name="name" value="stolen"><button>go</button></form>',
  '<img id="login" name="csrf" src="x">',
  '<style>body { display: none }</style>',
  '<a href="data:text/html,<script>alert(1)</script>">data</a>',
].join('\n\n');

const xssValues = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '"><svg onload=alert(1)>',
  "' onmouseover='alert(1)",
];

function yamlString(s: string): string {
  return JSON.stringify(s);
}

const xssCard = `---
license: ${yamlString(xssValues[0] ?? '')}
library_name: onnx
pipeline_tag: ${yamlString(xssValues[1] ?? '')}
base_model: ${yamlString(xssValues[2] ?? '')}
tags:
${xssValues.map((v) => `  - ${yamlString(v)}`).join('\n')}
---

# XSS corpus

${xssBody}
`;

/** A card that exercises ordinary Markdown (lists, inline code, quotes, tables, a relative picture). */
const plainCard = `---
license: mit
library_name: onnx
pipeline_tag: image-classification
tags:
  - demo
---

# A plain model

- first item with \`inline code\`
- second item

> a quotation

| metric | value |
|---|---|
| accuracy | 0.9 |

![diagram](images/diagram.svg)

[the config](config.json)
`;

const diagramSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#4a8"/></svg>';
const maliciousSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>';

let registry: TestRegistry;
let browser: TestBrowser;
let work: string;
let aliceToken: string;
let pushOutput: string;
let headDir: string;
let anonymous: BrowserContext;
let dark: BrowserContext;
let owner: BrowserContext;

/** Opens a page and fails the test on any dialog, page error or CSP violation it raises. */
async function open(context: BrowserContext, path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('404')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => { (window.__cspViolations ??= []).push(e.violatedDirective + ' ' + e.blockedURI); });",
  );
  const response = await page.goto(`${registry.url}${path}`, { waitUntil: 'load' });
  expect(response?.status(), path).toBe(200);
  return { page, problems };
}

// The page-side code is written as strings: the tests are type-checked without the DOM library.
async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__cspViolations ?? []');
}

/** The loaded width of an `<img>` (0 if it did not load). */
function naturalWidth(img: unknown): number {
  const image = img as { complete: boolean; naturalWidth: number };
  return image.complete ? image.naturalWidth : 0;
}

async function logIn(context: BrowserContext, token: string): Promise<void> {
  const page = await context.newPage();
  await page.goto(`${registry.url}/login`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${registry.url}/`), page.click('form.stack button[type=submit]')]);
  await page.close();
}

beforeAll(async () => {
  const fx = await ensureFixtures();
  // Three fixture backbones (two TF.js, one ONNX): the facet tests below name exactly what they find.
  registry = await startTestRegistry({ seed: ['ppocr-rec', 'mobilenet-v2', 'inception-v3'] });
  work = await mkdtemp(join(tmpdir(), 'modelhub-web-pages-'));
  aliceToken = await registry.createToken('alice', true);
  const hubUrl = registry.url;
  const credentials = { accessToken: aliceToken };

  // A real head: five digits per class on the PaddleOCR recogniser, trained and pushed by the CLI.
  const data = join(work, 'data');
  for (const label of fx.digits.labels) {
    await mkdir(join(data, label), { recursive: true });
    for (const file of (await readdir(join(fx.digits.train, label))).slice(0, 5)) {
      await cp(join(fx.digits.train, label, file), join(data, label, file));
    }
  }
  headDir = join(work, 'digits-head');
  const global = ['--endpoint', registry.url, '--cache-dir', join(work, 'cache'), '--quiet'];
  expect(
    await runCli([...global, 'train', '--base', 'ppocr-rec', '--data', data, '--out', headDir], silent),
  ).toBe(0);
  const io = captureIo();
  expect(await runCli([...global, '--token', aliceToken, 'push', headDir, 'alice/digits-head'], io)).toBe(0);
  pushOutput = io.out;
  expect(
    await runCli(
      [...global, '--token', aliceToken, 'push', headDir, 'alice/secret-head', '--private'],
      silent,
    ),
  ).toBe(0);

  await createRepo({ repo: 'alice/xss-card', hubUrl, credentials });
  await uploadFiles({
    repo: 'alice/xss-card',
    hubUrl,
    credentials,
    files: [
      { path: 'README.md', content: new Blob([xssCard]) },
      { path: 'evil.svg', content: new Blob([maliciousSvg]) },
      { path: 'evil.html', content: new Blob(['<script>alert(document.cookie)</script>']) },
    ],
  });
  await createRepo({ repo: 'alice/plain-model', hubUrl, credentials });
  await uploadFiles({
    repo: 'alice/plain-model',
    hubUrl,
    credentials,
    files: [
      { path: 'README.md', content: new Blob([plainCard]) },
      { path: 'images/diagram.svg', content: new Blob([diagramSvg]) },
      { path: 'config.json', content: new Blob(['{"hidden_size": 8}']) },
    ],
  });

  browser = await launchTestBrowser();
  anonymous = await browser.newContext();
  dark = await browser.newContext({ dark: true });
  owner = await browser.newContext();
  await logIn(owner, aliceToken);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await registry?.close();
  await rm(work, { recursive: true, force: true });
});

describe('web pages in Chromium', () => {
  it('renders every page in light and dark with no script error, CSP violation or serious WCAG 2.1 AA issue, and links them up', async () => {
    const head = (
      await modelInfo({ name: 'alice/digits-head', hubUrl: registry.url, additionalFields: ['sha'] })
    ).sha;
    // [path, heading, screenshot name, run axe]: axe runs once per page template (the home page is
    // the search page; every card page shares the repo page's template), in both themes.
    const pages: [string, string, string, boolean][] = [
      ['/', 'Models', 'home', false],
      ['/models?search=ppocr', 'Models', 'search', true],
      ['/modelhub', 'modelhub', 'owner', true],
      ['/modelhub/ppocr-rec', 'ppocr-rec', 'backbone', true],
      ['/alice/digits-head', 'digits-head', 'head', true],
      ['/alice/digits-head/tree/main', 'digits-head', 'tree', true],
      ['/alice/digits-head/blob/main/modelhub.json', 'digits-head', 'blob', true],
      ['/alice/digits-head/commits/main', 'digits-head', 'commits', true],
      [`/alice/digits-head/commit/${head ?? ''}`, 'digits-head', 'commit', true],
      ['/alice/plain-model', 'plain-model', 'plain-card', false],
      ['/alice/xss-card', 'xss-card', 'xss-card', true],
      ['/login', 'Log in', 'login', true],
    ];
    for (const [path, heading, name, axe] of pages) {
      for (const [context, theme] of [
        [anonymous, 'light'],
        [dark, 'dark'],
      ] as const) {
        const { page, problems } = await open(context, path);
        expect(await page.locator('h1').first().textContent(), path).toContain(heading);
        expect(problems, path).toEqual([]);
        expect(await cspViolations(page), path).toEqual([]);
        // axe (WCAG 2.1 A and AA rules) in each theme: contrast differs between them.
        if (axe) {
          expect(await browser.seriousA11yViolations(page), `${path} (${theme})`).toEqual([]);
        }
        await browser.screenshot(page, `${name}-${theme}`);
        await page.close();
      }
    }
    const { page } = await open(owner, '/settings/tokens');
    expect(await browser.seriousA11yViolations(page)).toEqual([]);
    await browser.screenshot(page, 'tokens-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await browser.seriousA11yViolations(page)).toEqual([]);
    await browser.screenshot(page, 'tokens-dark');
    await page.close();

    // Follow links the way a person would: search → repo → files → file → history → commit.
    const { page: walk } = await open(anonymous, '/models?search=digits');
    await walk.click('ol.repos a[href="/alice/digits-head"]');
    await walk.waitForURL(`${registry.url}/alice/digits-head`);
    await walk.click('nav.tabs a:text("Files")');
    await walk.waitForURL(`${registry.url}/alice/digits-head/tree/main`);
    await walk.click('table.files a:text("head.onnx")');
    await walk.waitForURL(`${registry.url}/alice/digits-head/blob/main/head.onnx`);
    await walk.click('nav.tabs a:text("Commits")');
    await walk.waitForURL(`${registry.url}/alice/digits-head/commits/main`);
    await walk.click('ol.commits li:first-child a');
    expect(walk.url()).toBe(`${registry.url}/alice/digits-head/commit/${head ?? ''}`);
    await walk.close();
  });

  it('renders an ordinary card: lists, inline code, quotes, tables and a relative picture', async () => {
    const { page } = await open(anonymous, '/alice/plain-model');
    const card = page.locator('.markdown');
    expect(await card.locator('ul li').count()).toBe(2);
    expect(await card.locator('li code').textContent()).toBe('inline code');
    expect(await card.locator('blockquote').textContent()).toContain('a quotation');
    expect(await card.locator('table td').allTextContents()).toEqual(['accuracy', '0.9']);
    const picture = card.locator('img[alt="diagram"]');
    expect(await picture.getAttribute('src')).toMatch(
      /^\/alice\/plain-model\/resolve\/[0-9a-f]{40}\/images\/diagram\.svg$/,
    );
    expect(await picture.evaluate(naturalWidth)).toBe(120);
    expect(await card.locator('a:text("the config")').getAttribute('href')).toMatch(
      /^\/alice\/plain-model\/blob\/[0-9a-f]{40}\/config\.json$/,
    );
    await page.close();
  });

  it('finds the seeded repos by search, facets and sort, in bookmarkable URLs', async () => {
    const names = async (path: string): Promise<string[]> => {
      const { page } = await open(anonymous, path);
      const found = await page.locator('ol.repos h3 a').allTextContents();
      await page.close();
      return found;
    };
    expect(await names('/models?search=digits')).toEqual(['alice/digits-head']);
    expect(await names('/models?kind=head')).toEqual(['alice/digits-head']);
    expect(await names('/models?library=tfjs&sort=name')).toEqual([
      'modelhub/inception-v3',
      'modelhub/mobilenet-v2',
    ]);
    expect(await names('/models?base=modelhub%2Fppocr-rec')).toEqual(['alice/digits-head']);
    expect(await names('/models?kind=backbone&task=image-to-text')).toContain('modelhub/ppocr-rec');
    // The search box in the header submits to the same URL.
    const { page } = await open(anonymous, '/');
    await page.fill('#site-search', 'plain');
    await Promise.all([page.waitForURL(/\/models\?search=plain$/), page.press('#site-search', 'Enter')]);
    expect(await page.locator('ol.repos h3 a').allTextContents()).toEqual(['alice/plain-model']);
    await page.close();
  });

  it('hides a private head from everyone else everywhere, and shows it to its owner', async () => {
    const { page } = await open(anonymous, '/modelhub/ppocr-rec');
    const heads = page.locator('table.heads tbody th a');
    expect(await heads.allTextContents()).toEqual(['alice/digits-head']);
    expect(await page.locator('#heads-title').textContent()).toContain('(1)');
    await page.close();

    const hidden = await anonymous.newPage();
    for (const path of [
      '/alice/secret-head',
      '/alice/secret-head/tree/main',
      '/alice/secret-head/commits/main',
    ]) {
      const response = await hidden.goto(`${registry.url}${path}`);
      expect(response?.status(), path).toBe(404);
      expect(await hidden.locator('h1').textContent()).toContain('404');
    }
    await hidden.goto(`${registry.url}/alice`);
    expect(await hidden.locator('ol.repos h3 a').allTextContents()).not.toContain('alice/secret-head');
    expect(await hidden.locator('#owner-models').textContent()).toMatch(/3\s+models/);
    await hidden.goto(`${registry.url}/models?search=secret`);
    expect(await hidden.locator('#results-title').textContent()).toMatch(/0\s+models/);
    await hidden.close();

    const { page: mine } = await open(owner, '/modelhub/ppocr-rec');
    expect((await mine.locator('table.heads tbody th a').allTextContents()).sort()).toEqual([
      'alice/digits-head',
      'alice/secret-head',
    ]);
    expect(await mine.locator('table.heads .badge.private').count()).toBe(1);
    await mine.goto(`${registry.url}/alice/secret-head`);
    expect(await mine.locator('h1 .badge.private').textContent()).toBe('private');
    await browser.screenshot(mine, 'private-head-owner');
    await mine.close();
  });

  it('shows a head: base model and revision, metrics, per-class scores, labels, recipe, the confusion matrix', async () => {
    const manifest = JSON.parse(await readFile(join(headDir, 'modelhub.json'), 'utf8')) as {
      base: { repo: string; commit: string };
      labels: string[];
      metrics: { validation: { accuracy: number } };
    };
    const { page } = await open(anonymous, '/alice/digits-head');
    expect(await page.locator('#base-title + dl a').first().getAttribute('href')).toBe('/modelhub/ppocr-rec');
    expect(await page.locator('#base-title + dl').textContent()).toContain(manifest.base.commit);
    expect(await page.locator('table.metrics').textContent()).toContain(
      `${(100 * manifest.metrics.validation.accuracy).toFixed(1)}%`,
    );
    expect(await page.locator('table.per-class tbody tr').count()).toBe(manifest.labels.length);
    expect(await page.locator('ol.labels li').count()).toBe(manifest.labels.length);
    expect(await page.locator('#recipe-title + dl').textContent()).toContain('seed');
    const matrix = page.locator('figure.confusion img');
    expect(await matrix.evaluate(naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator('.base-moved').count()).toBe(0);
    await page.close();
  });

  it('pins every snippet to the commit the page shows', async () => {
    const info = await modelInfo({
      name: 'alice/digits-head',
      hubUrl: registry.url,
      additionalFields: ['sha'],
    });
    const { page } = await open(anonymous, '/alice/digits-head');
    const shown = await page.locator('.use .note code').textContent();
    expect(shown).toBe(info.sha);
    for (const id of ['cli', 'modelhub', 'hfjs', 'hfpy']) {
      expect(await page.locator(`#snippet-${id}`).textContent(), id).toContain(shown ?? 'missing');
    }
    expect(await page.locator('#snippet-cli').textContent()).toBe(
      `npx hub pull alice/digits-head@${shown ?? ''} --endpoint ${registry.url}`,
    );
    await page.close();
  });

  it('lists each file with the sha256 of its blob and marks LFS files', async () => {
    const listed = new Map<string, ListFileEntry>();
    for await (const entry of listFiles({
      repo: 'alice/digits-head',
      hubUrl: registry.url,
      recursive: true,
    })) {
      listed.set(entry.path, entry);
    }
    const { page } = await open(anonymous, '/alice/digits-head/tree/main');
    const rows = await page.evaluate<{ name: string; sha: string; lfs: boolean }[]>(`
      [...document.querySelectorAll('table.files tbody tr')].map((tr) => ({
        name: tr.querySelector('th')?.textContent?.trim() ?? '',
        sha: tr.querySelector('code.sha')?.textContent ?? '',
        lfs: tr.querySelector('.badge.lfs') !== null,
      }))`);
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const file of ['head.onnx', 'modelhub.json', 'README.md', 'confusion-matrix.svg']) {
      const bytes = await readFile(join(headDir, file));
      expect(byName.get(file)?.sha, file).toBe(sha256(bytes));
      const entry = listed.get(file);
      if (entry?.lfs !== undefined) {
        expect(byName.get(file)?.sha).toBe(entry.lfs.oid);
      }
      expect(byName.get(file)?.lfs, file).toBe(entry?.lfs !== undefined);
    }
    expect(rows.some((r) => r.lfs)).toBe(true);
    await page.close();
  });

  it('runs nothing from an XSS corpus in a card body or in front-matter values', async () => {
    const { page, problems } = await open(anonymous, '/alice/xss-card');
    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    const card = await page.evaluate<{
      handlers: string[];
      riskyAttributes: string[];
      riskyTags: string[];
      badUrls: string[];
      chips: string[];
    }>(`(() => {
      const root = document.querySelector('article.card');
      const all = [...root.querySelectorAll('.markdown *, .card-facts *')];
      const names = (el) => el.getAttributeNames();
      return {
        handlers: all.flatMap((el) => names(el).filter((n) => n.startsWith('on'))),
        riskyAttributes: all.flatMap((el) =>
          names(el).filter((n) => n.startsWith('hx-') || n.startsWith('data-') || n === 'style' || n === 'id' || n === 'name'),
        ),
        riskyTags: all.map((el) => el.tagName.toLowerCase()).filter((t) =>
          ['script', 'iframe', 'svg', 'meta', 'form', 'input', 'style', 'object', 'embed', 'base'].includes(t),
        ),
        badUrls: all.flatMap((el) =>
          ['href', 'src'].map((a) => el.getAttribute(a) ?? '').filter((u) => /^\\s*(javascript|data|vbscript):/i.test(u)),
        ),
        chips: [...root.querySelectorAll('.chip')].map((c) => c.textContent),
      };
    })()`);
    expect(card.handlers).toEqual([]);
    expect(card.riskyAttributes).toEqual([]);
    expect(card.riskyTags).toEqual([]);
    expect(card.badUrls).toEqual([]);
    // Front-matter values are shown as the text they are.
    for (const value of xssValues) {
      expect(card.chips).toContain(value);
    }
    // DOM clobbering: the card's id="login" did not replace the page's own elements.
    expect(await page.evaluate("document.getElementById('login') === null")).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
    await browser.screenshot(page, 'xss-card');
    await page.close();
  });

  it('serves a malicious SVG and HTML through /resolve/ as sandboxed downloads that run nothing', async () => {
    for (const file of ['evil.svg', 'evil.html']) {
      const url = `${registry.url}/alice/xss-card/resolve/main/${file}`;
      const response = await anonymous.request.get(url);
      expect(response.headers()['content-security-policy']).toContain('sandbox');
      expect(response.headers()['x-content-type-options']).toBe('nosniff');
      expect(response.headers()['content-disposition']).toMatch(/^attachment;/);
      const page = await anonymous.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.goto(url).catch((error: unknown) => error),
      ]);
      expect(download.suggestedFilename()).toBe(file);
      expect(dialogs).toEqual([]);
      await page.close();
    }
    // Shown as a picture on its file page, the SVG runs nothing either.
    const { page, problems } = await open(anonymous, '/alice/xss-card/blob/main/evil.svg');
    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('logs in with a pasted token into an HttpOnly SameSite=Lax cookie, and refuses a wrong one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${registry.url}/login`);
    await page.fill('#token', 'hf_notATokenOfThisRegistry');
    await page.click('form.stack button[type=submit]');
    expect(await page.locator('#login-problem').textContent()).toContain('not valid');
    await browser.screenshot(page, 'login-refused');
    await page.fill('#token', aliceToken);
    await Promise.all([page.waitForURL(`${registry.url}/`), page.click('form.stack button[type=submit]')]);
    expect(await page.locator('header nav').textContent()).toContain('alice');
    const session = (await context.cookies()).find((c) => c.name === 'modelhub-session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
    expect(await page.evaluate('document.cookie')).toBe('');
    await Promise.all([page.waitForURL(`${registry.url}/`), page.click('header button:text("Log out")')]);
    expect(await page.locator('header nav').textContent()).toContain('Log in');
    expect((await context.cookies()).some((c) => c.name === 'modelhub-session')).toBe(false);
    await context.close();
  });

  it('creates a token once, shows when tokens were last used, and refuses a revoke POST without its CSRF token', async () => {
    const { page } = await open(owner, '/settings/tokens');
    await page.fill('#token-name', 'ci runner');
    await page.check('input[name=role][value=read]');
    await page.click('section[aria-labelledby=create-title] button[type=submit]');
    const secret = (await page.locator('#new-token-value').textContent()) ?? '';
    expect(secret).toMatch(/^hf_/);
    await browser.screenshot(page, 'token-created');
    // Shown once: reloading the list does not show it again.
    await page.goto(`${registry.url}/settings/tokens`);
    expect(await page.locator('#new-token-value').count()).toBe(0);
    expect(await page.textContent('body')).not.toContain(secret);
    const row = page.locator('table.tokens tbody tr', { hasText: 'ci runner' });
    expect(await row.locator('td').nth(2).textContent()).toBe('never');
    // Using it marks it used.
    await modelInfo({
      name: 'alice/digits-head',
      hubUrl: registry.url,
      credentials: { accessToken: secret },
    });
    await page.reload();
    expect(await row.locator('td').nth(2).textContent()).not.toBe('never');

    const id = await row.locator('input[name=id]').getAttribute('value');
    const forged = await owner.request.post(`${registry.url}/settings/tokens/revoke`, {
      form: { id: id ?? '' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    const csrf = (await row.locator('input[name=_csrf]').getAttribute('value')) ?? '';
    const crossSite = await owner.request.post(`${registry.url}/settings/tokens/revoke`, {
      form: { id: id ?? '', _csrf: csrf },
      headers: { 'sec-fetch-site': 'cross-site' },
      maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);
    await page.reload();
    expect(await page.locator('table.tokens tbody tr', { hasText: 'ci runner' }).count()).toBe(1);
    // The real form, with its token, revokes it.
    await page.locator('table.tokens tbody tr', { hasText: 'ci runner' }).locator('button').click();
    expect(await page.locator('.notice').first().textContent()).toContain('revoked');
    expect(await page.locator('table.tokens tbody tr', { hasText: 'ci runner' }).count()).toBe(0);
    await page.close();
  });

  it('reaches the search box, results and copy buttons with Tab, each with a visible focus ring', async () => {
    const focusTrail = async (page: Page, wanted: (desc: string) => boolean, limit = 60): Promise<string> => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate<{ desc: string; outline: string; width: number }>(`(() => {
          const el = document.activeElement;
          if (el === null) return { desc: '', outline: '', width: 0 };
          const style = getComputedStyle(el);
          const desc = el.tagName.toLowerCase() + '#' + el.id + '.' + el.className + '[' + (el.getAttribute('href') ?? '') + ']' + (el.textContent ?? '').trim().slice(0, 40);
          return { desc, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
        })()`);
        if (wanted(focused.desc)) {
          expect(focused.outline, focused.desc).not.toBe('none');
          expect(focused.width, focused.desc).toBeGreaterThanOrEqual(2);
          return focused.desc;
        }
      }
      throw new Error('Tab never reached the element');
    };
    const { page } = await open(anonymous, '/models?search=digits');
    expect(await focusTrail(page, (d) => d.startsWith('input#site-search'))).toContain('site-search');
    expect(await focusTrail(page, (d) => d.includes('[/alice/digits-head]'))).toContain('alice/digits-head');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${registry.url}/alice/digits-head`);
    expect(await focusTrail(page, (d) => d.startsWith('button') && d.includes('copy'), 120)).toContain(
      'Copy',
    );
    await browser.screenshot(page, 'keyboard-focus');
    await page.close();
  });

  it('renders the head at the commit URL hub push printed, and warns once the base model moves', async () => {
    const url = pushOutput.trim().split('\n').pop() ?? '';
    expect(url).toMatch(new RegExp(`^${registry.url}/alice/digits-head/commit/[0-9a-f]{40}$`));
    const { page } = await open(anonymous, url.slice(registry.url.length));
    expect(await page.locator('#metrics-title').textContent()).toContain('Validation metrics');
    expect(await page.locator('figure.confusion img').evaluate(naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator('ul.changes').textContent()).toContain('head.onnx');
    await browser.screenshot(page, 'pushed-commit');
    await page.close();

    // A new commit on the backbone: the head stays pinned, and its page says the base moved.
    await commit({
      repo: 'modelhub/ppocr-rec',
      hubUrl: registry.url,
      credentials: { accessToken: registry.adminToken },
      title: 'Touch the card',
      operations: [{ operation: 'addOrUpdate', path: 'NOTES.md', content: new Blob(['moved\n']) }],
    });
    const { page: moved } = await open(anonymous, '/alice/digits-head');
    expect(await moved.locator('.base-moved').textContent()).toContain('has moved');
    await browser.screenshot(moved, 'head-base-moved');
    await moved.close();
  });
});
