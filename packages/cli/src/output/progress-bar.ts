import type { PullEvent } from '@modelhub/client';
import { formatBytes } from '@modelhub/client';

/** Where the bar draws: a terminal stream (stderr in the CLI). */
export interface ProgressStream {
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
  write(text: string): unknown;
}

export interface ProgressBar {
  /** Feed it the events of `pull()`. */
  onEvent(event: PullEvent): void;
  /** Clears the bar line. */
  done(): void;
}

/** One line: `[#####-----]  45%  120 MB / 300 MB  80 MB/s  model.onnx`. */
export function renderProgressLine(
  bytes: number,
  total: number,
  rate: number,
  label: string,
  width: number,
): string {
  const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const sizes = `${formatBytes(bytes)} / ${formatBytes(total)}`;
  const speed = `${formatBytes(rate)}/s`;
  const barWidth = Math.max(10, Math.min(40, width - sizes.length - speed.length - percent.length - 20));
  const filled = Math.round(fraction * barWidth);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${percent}  ${sizes}  ${speed}  ${label}`;
  return line.length > width - 1 ? line.slice(0, width - 1) : line;
}

/**
 * A single byte-weighted progress bar for a whole pull on a terminal; on a pipe (not a TTY) it
 * prints nothing at all.
 */
export function createProgressBar(stream: ProgressStream): ProgressBar {
  if (stream.isTTY !== true) {
    return { onEvent: () => undefined, done: () => undefined };
  }
  let drawn = false;
  let lastDraw = 0;
  return {
    onEvent(event) {
      if (event.type !== 'progress' || event.total === 0) {
        return;
      }
      const now = Date.now();
      if (now - lastDraw < 80 && event.bytes < event.total) {
        return;
      }
      lastDraw = now;
      const label =
        event.files.length === 0
          ? ''
          : event.files.length === 1
            ? (event.files[0]?.path ?? '')
            : `${event.files.length} files`;
      stream.write(
        `\r\x1b[2K${renderProgressLine(event.bytes, event.total, event.rate, label, stream.columns ?? 80)}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) {
        stream.write('\r\x1b[2K');
        drawn = false;
      }
    },
  };
}
