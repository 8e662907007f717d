/** An example `--skip-bad` left out, and why. */
export interface SkippedExample {
  readonly path: string;
  readonly reason: string;
}

/**
 * The warning line that names what `--skip-bad` left out (the first `shown`, with the reason), so
 * a user sees which files to fix rather than a count alone; empty when nothing was skipped.
 */
export function skippedWarning(skipped: readonly SkippedExample[], shown = 5): string {
  if (skipped.length === 0) {
    return '';
  }
  const listed = skipped
    .slice(0, shown)
    .map((s) => `${s.path} (${s.reason})`)
    .join(', ');
  return `warning: --skip-bad left out ${skipped.length} unreadable example(s): ${listed}${skipped.length > shown ? ', …' : ''}\n`;
}
