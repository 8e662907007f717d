/** What a command printed, with the two writers the CLI's `Io` needs. */
export interface CapturedIo {
  out: string;
  err: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** An output sink for CLI tests: everything written to stdout and stderr, kept apart. */
export function captureIo(): CapturedIo {
  const io: CapturedIo = {
    out: '',
    err: '',
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
  };
  return io;
}
