/**
 * A URL that may go into an `href` or `src` built from untrusted data (a head's recorded base
 * endpoint, a card's link): same-site paths and http(s) URLs pass, everything else
 * (`javascript:`, `data:`, `//host`, control characters) becomes undefined.
 */
export function safeUrl(url: string): string | undefined {
  const trimmed = url.trim();
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (trimmed === '' || /[\u0000-\u001f\u007f\\]/.test(trimmed)) {
    return undefined;
  }
  if (trimmed.startsWith('/')) {
    return trimmed.startsWith('//') ? undefined : trimmed;
  }
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Encodes each segment of a repo path for a URL, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
