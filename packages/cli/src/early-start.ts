/**
 * What the `hub` launcher starts before the CLI's bundle loads. The commands that run a model
 * wait, on a fresh process, for onnxruntime's worker thread to start (~60–90 ms) after parsing
 * their arguments and reading the head; starting it first lets that run beside the ~70 ms of
 * loading the CLI. When the model turns out not to be ONNX, the worker is never taken: it costs
 * one start on another core and does not keep the process alive.
 */

/** Commands that open their model with onnxruntime when it is an ONNX model. */
const RUNS_A_MODEL: ReadonlySet<string> = new Set(['predict', 'eval', 'embed', 'train', 'export']);

/** Global options that take a value as the next argument (see `buildProgram`). */
const TAKES_VALUE: ReadonlySet<string> = new Set(['--endpoint', '--token', '--cache-dir']);

/** The command an argument list names: its first word that is neither an option nor an option's value. */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      return args[i + 1];
    }
    if (!arg.startsWith('-')) {
      return arg;
    }
    if (TAKES_VALUE.has(arg)) {
      i++;
    }
  }
  return undefined;
}

/** Whether `args` name a command that runs a model, so that starting onnxruntime early pays. */
export function runsAModel(args: readonly string[]): boolean {
  const command = commandOf(args);
  return command !== undefined && RUNS_A_MODEL.has(command);
}

/**
 * Starts the inference worker when the command runs a model. Never fails the command: a broken
 * onnxruntime is reported by the command that needs it (`BACKEND_UNAVAILABLE`), not here.
 */
export async function startEarly(args: readonly string[]): Promise<void> {
  if (!runsAModel(args)) {
    return;
  }
  try {
    (await import('@modelhub/adapter-onnx/spare-worker')).startSpareWorker();
  } catch {
    // The command's own load of onnxruntime says what is wrong.
  }
}
