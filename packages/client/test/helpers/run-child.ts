import { spawn, type ChildProcess } from 'node:child_process';

/** How a child process ended, and everything it printed. */
export interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` with exactly the environment given (nothing of this process's, so no token or
 * cache setting of the user's reaches it) and collects its output. `onSpawn` gets the child, e.g.
 * to signal it.
 */
export function runChild(
  command: string,
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly env: Readonly<Record<string, string>>;
    readonly onSpawn?: (child: ChildProcess) => void;
  },
): Promise<ChildRun> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    options.onSpawn?.(child);
  });
}
