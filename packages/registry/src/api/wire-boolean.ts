/**
 * A boolean as the Hub reads it from a query string, a form field or JSON: `true` (JSON), or the
 * text `true` / `1` in any case. Python clients on requests send `True`, httpx and JS send `true`;
 * everything else, absent included, is false.
 */
export function wireBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'number') {
    return value === 1;
  }
  if (typeof value !== 'string') {
    return false;
  }
  const text = value.trim().toLowerCase();
  return text === 'true' || text === '1';
}
