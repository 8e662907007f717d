import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the `hub` launcher starts before the CLI's bundle loads. The commands that run a model
 * wait, on a fresh process, for onnxruntime's worker thread to start (~60–90 ms) after parsing
 * their arguments and reading the head; starting it first lets that run beside the ~70 ms of
 * loading the CLI. A local folder that is known not to run on onnxruntime (a head over a TF.js
 * backbone, a TF.js model) gets no worker: on 2 cores its start cost a TF.js `hub predict` ~45 ms.
 * Where the model cannot be told from its folder (a registry reference), the worker is started;
 * if it is not taken, it does not keep the process alive.
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
 * The model a command names: `train`'s `--base`, else the first word after the command (a
 * command option's value may stand there instead; the folder check below then finds nothing).
 */
export function modelArgument(args: readonly string[]): string | undefined {
  const command = commandOf(args);
  const rest = args.slice(args.indexOf(command ?? '') + 1);
  if (command === 'train') {
    const at = rest.findIndex((a) => a === '--base' || a.startsWith('--base='));
    const flag = rest[at];
    return flag === undefined ? undefined : flag === '--base' ? rest[at + 1] : flag.slice('--base='.length);
  }
  return rest.find((a) => !a.startsWith('-'));
}

/**
 * Whether a local folder is known to run without onnxruntime: a head whose backbone is not ONNX
 * (`modelhub.json`: TF.js, or raw pixels), or a folder with a TF.js `model.json` and no `.onnx`
 * file. False when the folder says nothing or is not a folder (a registry reference).
 */
export function knownNotOnnx(dir: string): boolean {
  try {
    const head = JSON.parse(readFileSync(join(dir, 'modelhub.json'), 'utf8')) as {
      format?: unknown;
      feature?: { runtime?: unknown };
    };
    if (head.format === 'modelhub-head') {
      // onnx, tfjs-layers, tfjs-graph or pixels (see the head manifest's schema)
      const runtime = head.feature?.runtime;
      return typeof runtime === 'string' && runtime !== 'onnx';
    }
  } catch {
    // Not a head (or no folder): look at the files.
  }
  const names = (sub: string): string[] => {
    try {
      return readdirSync(join(dir, sub));
    } catch {
      return [];
    }
  };
  const files = [...names('.'), ...names('onnx')];
  return files.includes('model.json') && !files.some((f) => f.endsWith('.onnx'));
}

/**
 * Starts the inference worker when the command runs a model. Never fails the command: a broken
 * onnxruntime is reported by the command that needs it (`BACKEND_UNAVAILABLE`), not here.
 */
export async function startEarly(args: readonly string[]): Promise<void> {
  const model = modelArgument(args);
  if (!runsAModel(args) || (model !== undefined && knownNotOnnx(model))) {
    return;
  }
  try {
    (await import('@modelhub/adapter-onnx/spare-worker')).startSpareWorker();
  } catch {
    // The command's own load of onnxruntime says what is wrong.
  }
}
