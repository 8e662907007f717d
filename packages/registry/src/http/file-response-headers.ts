/** Pictures a page may show through `<img>`: sent with their type so the browser can draw them. */
const pictureTypes: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

/** Types a browser would run as a document (script in SVG, HTML, XML with XSLT): always downloads. */
const activeExtensions = new Set([
  'svg',
  'svgz',
  'html',
  'htm',
  'xhtml',
  'xht',
  'xml',
  'xsl',
  'xslt',
  'mht',
  'mhtml',
  'shtml',
]);

function extensionOf(path: string): string {
  const name = path.split('/').pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/**
 * Headers for a repo file served on the registry's own origin (`/resolve/`, `/raw/`). Repo files
 * are untrusted, so none may run as a page of this origin: a sandbox CSP with no script, no
 * sniffing, and HTML/SVG/XML as attachments. Pictures keep their type so `<img>` still shows them
 * (an `<img>` never runs an SVG's scripts).
 */
export function fileResponseHeaders(path: string): Readonly<Record<string, string>> {
  const extension = extensionOf(path);
  const name = encodeURIComponent(path.split('/').pop() ?? '');
  return {
    'content-type': pictureTypes[extension] ?? 'application/octet-stream',
    'content-disposition': `${activeExtensions.has(extension) ? 'attachment' : 'inline'}; filename*=UTF-8''${name}`,
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    'x-content-type-options': 'nosniff',
  };
}

/** Whether fetching `path` counts as a model download (cards, git metadata and pictures do not: pages load them). */
export function countsAsDownload(path: string): boolean {
  if (path === 'README.md' || path === '.gitattributes') {
    return false;
  }
  return pictureTypes[extensionOf(path)] === undefined;
}
