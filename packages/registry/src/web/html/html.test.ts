import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { escapeHtml, html, trustedHtml } from './html.ts';
import { safeUrl } from './safe-url.ts';

describe('html', () => {
  it('escapes every interpolated string, in content and in attributes', () => {
    const value = `<script>alert("x")</script>' onmouseover='y\``;
    expect(html`<p title="${value}">${value}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#96;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#96;</p>',
    );
  });

  it('keeps nested templates, joins lists, and renders nothing for null, undefined and booleans', () => {
    const items = ['a<b', 'c&d'].map((x) => html`<li>${x}</li>`);
    // prettier-ignore
    const out = html`<ul>${items}</ul>${null}${undefined}${false}${true}${0}`;
    expect(out.text).toBe('<ul><li>a&lt;b</li><li>c&amp;d</li></ul>0');
  });

  it('does not treat a look-alike object as safe markup', () => {
    const forged = { text: '<script>alert(1)</script>' } as unknown as string;
    expect(html`${forged}`.text).toBe(escapeHtml('[object Object]'));
  });

  it('passes trusted markup through unchanged', () => {
    expect(html`<div>${trustedHtml('<b>ok</b>')}</div>`.text).toBe('<div><b>ok</b></div>');
  });

  it('is the only way pages write markup: every attribute interpolation is quoted', () => {
    // An unquoted attribute (href=${x}) would let a value with a space add attributes, escaping or not.
    const root = join(import.meta.dirname, '..');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    const unquoted = files.flatMap((f) =>
      [...readFileSync(join(root, f), 'utf8').matchAll(/\s[\w-]+=\$\{/g)].map((m) => `${f}: ${m[0]}`),
    );
    expect(files.length).toBeGreaterThan(10);
    expect(unquoted).toEqual([]);
  });
});

describe('safeUrl', () => {
  it('keeps same-site paths and http(s) URLs', () => {
    expect(safeUrl('/alice/model')).toBe('/alice/model');
    expect(safeUrl('https://hub.example/a')).toBe('https://hub.example/a');
  });

  it('refuses script, data and protocol-relative URLs and control characters', () => {
    for (const url of [
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(1)',
      'data:text/html,x',
      '//evil.example',
      'java\tscript:x',
      '/\\evil',
    ]) {
      expect(safeUrl(url), url).toBeUndefined();
    }
  });
});
