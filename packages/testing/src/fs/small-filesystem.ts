import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A command line: what to spawn. */
export interface CommandLine {
  readonly command: string;
  readonly args: string[];
}

/**
 * A real, size-limited filesystem (tmpfs) for tests that must hit ENOSPC for real.
 *
 * With `method: 'mount'` (root) it is an ordinary mount: `dir` and `path` are the same folder and
 * any code, in this process or a child, can use it. With `method: 'user-namespace'` the tmpfs
 * exists only inside a user + mount namespace held by a helper process: this process reaches it
 * through `dir` (`/proc/<holder>/root/…`), which works for plain file calls (open, read, write,
 * readdir, readlink, rename) but NOT for code that canonicalises paths by reading symlinks itself
 * (SQLite does: it would follow the `/proc` link to `/` and miss the mount). Such code must run in a
 * child process started through `command()`, inside the namespace, where the folder is `path`.
 */
export interface SmallFilesystem {
  /** The folder on the tmpfs, as this process reaches it. */
  readonly dir: string;
  /** The same folder as processes started through `command()` see it. */
  readonly path: string;
  /**
   * How it was made: `mount` (running as root: a tmpfs mounted on a temp folder) or
   * `user-namespace` (anyone else: a tmpfs mounted inside `unshare --user --map-root-user --mount`
   * by a holder process).
   */
  readonly method: 'mount' | 'user-namespace';
  /** A command line that runs `command args` where `path` is this filesystem (unchanged for `mount`). */
  command(command: string, args: readonly string[]): CommandLine;
  /** Changes the size limit; the files on it stay. */
  resize(sizeBytes: number): Promise<void>;
  /** Remounts it read-only (writes then fail with EROFS) or read-write again; the files stay. */
  setReadOnly(readOnly: boolean): Promise<void>;
  /** Unmounts it (its files are gone) and removes the mount point. Idempotent. */
  close(): Promise<void>;
}

function checkSize(sizeBytes: number): void {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 4096) {
    throw new RangeError(`a small filesystem needs a whole number of bytes >= 4096, got ${sizeBytes}`);
  }
}

async function mountAsRoot(mountPoint: string, sizeBytes: number): Promise<SmallFilesystem> {
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', mountPoint]);
  let closed = false;
  return {
    dir: mountPoint,
    path: mountPoint,
    method: 'mount',
    command: (command, args) => ({ command, args: [...args] }),
    resize: async (size) => {
      checkSize(size);
      await run('mount', ['-t', 'tmpfs', '-o', `remount,size=${size}`, 'tmpfs', mountPoint]);
    },
    setReadOnly: async (readOnly) => {
      await run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, mountPoint]);
    },
    close: async () => {
      if (closed) {
        return;
      }
      closed = true;
      try {
        await run('umount', [mountPoint]);
      } catch (error) {
        // Busy: something still holds a file open on it (a leak worth failing on). Detach it
        // anyway so no mount outlives the test, then report.
        await run('umount', ['--lazy', mountPoint]).catch(() => undefined);
        throw new Error(`could not unmount ${mountPoint} (a file on it is still open?)`, { cause: error });
      }
      await rm(mountPoint, { recursive: true, force: true });
    },
  };
}

/**
 * The holder: a shell in a new user + mount namespace that mounts the tmpfs, says `ready`, then
 * reads one request per line from stdin (a size, or `ro` / `rw`) and remounts with it (answering
 * `ok` or `failed`). Closing its stdin ends it, and with it the namespace and the tmpfs.
 */
const holderScript = `
mount -t tmpfs -o "size=$1,mode=0755" tmpfs "$2" || exit 1
echo ready
while read -r request; do
  case "$request" in
    ro|rw) options="remount,$request" ;;
    *) options="remount,size=$request" ;;
  esac
  if mount -t tmpfs -o "$options" tmpfs "$2"; then echo ok; else echo failed; fi
done
`;

class LineReader {
  readonly #waiting: ((line: string | undefined) => void)[] = [];
  readonly #lines: string[] = [];
  #ended = false;

  constructor(rl: Interface) {
    rl.on('line', (line) => {
      const next = this.#waiting.shift();
      if (next === undefined) {
        this.#lines.push(line);
      } else {
        next(line);
      }
    });
    rl.on('close', () => {
      this.#ended = true;
      for (const next of this.#waiting.splice(0)) {
        next(undefined);
      }
    });
  }

  /** The next line, or undefined once the stream ended. */
  next(): Promise<string | undefined> {
    const line = this.#lines.shift();
    if (line !== undefined || this.#ended) {
      return Promise.resolve(line);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

async function mountInUserNamespace(mountPoint: string, sizeBytes: number): Promise<SmallFilesystem> {
  const holder: ChildProcessWithoutNullStreams = spawn(
    'unshare',
    ['--user', '--map-root-user', '--mount', 'sh', '-c', holderScript, 'sh', String(sizeBytes), mountPoint],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  holder.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    holder.on('close', (code) => resolve(code));
    holder.on('error', () => resolve(null));
  });
  const lines = new LineReader(createInterface({ input: holder.stdout }));
  const first = await lines.next();
  if (first !== 'ready' || holder.pid === undefined) {
    holder.stdin.end();
    await exited;
    throw new Error(`could not mount a tmpfs in a user namespace (unshare -rm): ${stderr.trim()}`);
  }
  // unshare execs the shell in place, so the holder's pid is the shell's, inside the namespace.
  const pid = holder.pid;
  const dir = `/proc/${pid}/root${mountPoint}`;
  let closed = false;
  return {
    dir,
    path: mountPoint,
    method: 'user-namespace',
    command: (command, args) => ({
      command: 'nsenter',
      args: [
        `--target=${pid}`,
        '--user',
        '--mount',
        '--preserve-credentials',
        `--wd=${process.cwd()}`,
        '--',
        command,
        ...args,
      ],
    }),
    resize: async (size) => {
      checkSize(size);
      holder.stdin.write(`${size}\n`);
      const answer = await lines.next();
      if (answer !== 'ok') {
        throw new Error(`could not resize the tmpfs to ${size} bytes: ${stderr.trim()}`);
      }
    },
    setReadOnly: async (readOnly) => {
      holder.stdin.write(readOnly ? 'ro\n' : 'rw\n');
      const answer = await lines.next();
      if (answer !== 'ok') {
        throw new Error(
          `could not remount the tmpfs ${readOnly ? 'read-only' : 'read-write'}: ${stderr.trim()}`,
        );
      }
    },
    close: async () => {
      if (closed) {
        return;
      }
      closed = true;
      holder.stdin.end();
      await exited;
      await rm(mountPoint, { recursive: true, force: true });
    },
  };
}

export interface SmallFilesystemOptions {
  /** Force one method (tests of this helper); by default root mounts directly, others use a namespace. */
  readonly method?: SmallFilesystem['method'] | undefined;
}

/**
 * Mounts a fresh tmpfs of `sizeBytes` (rounded up to whole pages) on a new temp folder. As root it
 * mounts directly; otherwise (or if that is refused) it uses an unprivileged user namespace. Never
 * silently degrades: if neither works it throws, so a test built on it fails instead of skipping.
 */
export async function mountSmallFilesystem(
  sizeBytes: number,
  options: SmallFilesystemOptions = {},
): Promise<SmallFilesystem> {
  checkSize(sizeBytes);
  const mountPoint = await realpath(await mkdtemp(join(tmpdir(), 'modelhub-smallfs-')));
  const reasons: string[] = [];
  const method = options.method ?? (process.getuid?.() === 0 ? 'mount' : 'user-namespace');
  if (method === 'mount') {
    try {
      return await mountAsRoot(mountPoint, sizeBytes);
    } catch (error) {
      reasons.push(`mount as root: ${String(error)}`);
    }
  }
  if (options.method !== 'mount') {
    try {
      return await mountInUserNamespace(mountPoint, sizeBytes);
    } catch (error) {
      reasons.push(String(error));
    }
  }
  await rm(mountPoint, { recursive: true, force: true });
  throw new Error(`no small filesystem could be made here:\n${reasons.join('\n')}`);
}

/** Runs `fn` with a fresh small filesystem and unmounts it afterwards, whatever happens. */
export async function withSmallFilesystem<T>(
  sizeBytes: number,
  fn: (fs: SmallFilesystem) => Promise<T>,
  options: SmallFilesystemOptions = {},
): Promise<T> {
  const fs = await mountSmallFilesystem(sizeBytes, options);
  try {
    return await fn(fs);
  } finally {
    await fs.close();
  }
}
