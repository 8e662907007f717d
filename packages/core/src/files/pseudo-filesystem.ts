import { statfsSync } from 'node:fs';

import { ModelhubError } from '../errors/modelhub-error.ts';
import { nearestExisting } from '../errors/filesystem-error.ts';

/**
 * Linux filesystems that only expose kernel state (statfs `f_type` magic numbers). They cannot
 * hold files, and Node's recursive mkdir loops forever inside /proc.
 */
const pseudoFilesystems: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
]);

/**
 * Refuses a path whose nearest existing folder is on a pseudo filesystem such as /proc or /sys
 * (UNSUPPORTED_FILESYSTEM), before anything tries to create folders there. `role` names the
 * path in the message (`--data`, `the model cache`…). A path reached through a /proc symlink to
 * a real filesystem (`/proc/<pid>/root/…`) is that filesystem, and passes.
 */
export function assertRealFilesystem(path: string, role: string): void {
  const existing = nearestExisting(path);
  let type: number;
  try {
    type = statfsSync(existing).type;
  } catch {
    return; // Nothing to inspect: the call that needs the folder reports the real problem.
  }
  const name = pseudoFilesystems.get(type);
  if (name !== undefined) {
    throw new ModelhubError(
      'UNSUPPORTED_FILESYSTEM',
      `${role} ${path} is on the ${name} filesystem (${existing}), which only shows kernel state and cannot hold files.`,
      {
        hint: 'Choose a folder on a disk, such as one under your home folder.',
        details: { path, filesystem: name },
      },
    );
  }
}
