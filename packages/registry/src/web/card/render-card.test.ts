import { describe, expect, it } from 'vitest';

import { CardCache } from './card-cache.ts';
import { renderCard } from './render-card.ts';

const base = { repoPath: '/alice/model', commit: 'a'.repeat(40) };

/** The XSS corpus of the browser test, checked here on the markup itself. */
const corpus = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:x) [d](data:text/html,x)',
  '<a href="jav&#x09;ascript:alert(1)">e</a> <a href=" javascript:alert(1)">f</a> <a href="//evil.example">g</a>',
  '<svg onload=alert(1)><circle/></svg>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<details open ontoggle=alert(1)><summary>s</summary>d</details>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<div hx-get="/x" data-hx-post="/y" id="login" name="csrf" class="c" style="color:red">h</div>',
  '<form action="/settings/tokens"><input name="x"><button>go</button></form>',
  '<style>body{display:none}</style>',
  '<object data="x.swf"></object><embed src="x"><base href="https://evil.example/">',
  '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
].join('\n\n');

describe('renderCard', () => {
  it('drops scripts, handlers, script URLs, frames, forms, styles, meta, htmx and id/name attributes', () => {
    const out = renderCard(corpus, base).body.text;
    for (const bad of [
      /<script/i,
      /\son\w+=/i,
      /(href|src|action)="[^"]*(javascript|vbscript|data):/i,
      /<iframe/i,
      /<svg/i,
      /<meta/i,
      /<form/i,
      /<input/i,
      /<style/i,
      /<object/i,
      /<embed/i,
      /<base/i,
      /hx-/i,
      /data-/i,
      /\sid=/i,
      /\sname=/i,
      /\sclass=/i,
      /\sstyle=/i,
      /href="\/\/evil/i,
    ]) {
      expect(out, String(bad)).not.toMatch(bad);
    }
    // Markdown links with such URLs stay as plain text, never as links.
    expect(out).toContain('[a](javascript:alert(1))');
    // What is harmless stays: the details element (without its handler) and the text.
    expect(out).toContain('<details open><summary>s</summary>d</details>');
    expect(out).toContain('h</div>');
  });

  it('keeps front-matter values as data (the page escapes them) and reports broken YAML', () => {
    const card = renderCard('---\nlicense: "<script>alert(1)</script>"\ntags: [a, b]\n---\n# T\n', base);
    expect(card.data).toEqual({ license: '<script>alert(1)</script>', tags: ['a', 'b'] });
    expect(card.problem).toBeUndefined();
    const broken = renderCard('---\nlicense: [unclosed\n---\n# Still shown\n', base);
    expect(broken.problem).toMatch(/not valid YAML/);
    expect(broken.body.text).toContain('<h1>Still shown</h1>');
  });

  it('rewrites relative links into the repo at the card commit and turns remote pictures into links', () => {
    const out = renderCard(
      '![p](images/a.png) [c](config.json) [up](../../other/repo) [abs](/bob/x) [ext](https://example.com/) ![r](https://tracker.example/p.gif)',
      base,
    ).body.text;
    expect(out).toContain(`src="/alice/model/resolve/${base.commit}/images/a.png"`);
    expect(out).toContain(`href="/alice/model/blob/${base.commit}/config.json"`);
    expect(out).toContain('<a>up</a>');
    expect(out).toContain('href="/bob/x"');
    expect(out).toContain('href="https://example.com/" rel="nofollow noopener noreferrer"');
    expect(out).toContain(
      '<a href="https://tracker.example/p.gif" rel="nofollow noopener noreferrer">[image: r]</a>',
    );
    expect(out).not.toContain('<img alt="r"');
  });

  it('renders the Markdown cards are written in: lists, code, quotes, tables, centred HTML', () => {
    const out = renderCard(
      '- a `b`\n\n> q\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n<center>mid</center>\n',
      base,
    ).body.text;
    expect(out).toContain('<li>a <code>b</code></li>');
    expect(out).toContain('<blockquote>');
    expect(out).toContain('<td>1</td>');
    expect(out).toContain('<div align="center">mid</div>');
  });
});

describe('CardCache', () => {
  it('renders a commit once and drops the least recently used beyond capacity', async () => {
    const cache = new CardCache(2);
    let renders = 0;
    const render = (text: string) => () => {
      renders += 1;
      return Promise.resolve(renderCard(text, base));
    };
    await cache.get('1', render('one'));
    await cache.get('1', render('one'));
    await cache.get('2', render('two'));
    await cache.get('1', render('one'));
    await cache.get('3', render('three'));
    expect(renders).toBe(3);
    await cache.get('2', render('two'));
    expect(renders).toBe(4);
    expect(cache.size).toBe(2);
  });
});
