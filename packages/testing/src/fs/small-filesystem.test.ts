import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { mountSmallFilesystem, withSmallFilesystem } from './small-filesystem.ts';

const MiB = 1 << 20;

const methods = ['mount', 'user-namespace'] as const;
// Mounting directly needs root; the user-namespace method works for everyone (and for root too).
const available = methods.filter((m) => m === 'user-namespace' || process.getuid?.() === 0);

describe('mountSmallFilesystem', () => {
  it('picks a method that works for this user', async () => {
    await withSmallFilesystem(MiB, async (fs) => {
      expect(fs.method).toBe(process.getuid?.() === 0 ? 'mount' : 'user-namespace');
      await writeFile(join(fs.dir, 'x'), 'hello');
      expect(await readFile(join(fs.dir, 'x'), 'utf8')).toBe('hello');
    });
  });

  for (const method of available) {
    it(`${method}: fails writes beyond its size with ENOSPC, keeps files across a resize, and goes away on close`, async () => {
      const fs = await mountSmallFilesystem(MiB, { method });
      try {
        expect(fs.method).toBe(method);
        const s = await statfs(fs.dir);
        expect(s.blocks * s.bsize).toBe(MiB);
        await writeFile(join(fs.dir, 'small'), 'kept');
        const big = randomBytes(2 * MiB);
        await expect(writeFile(join(fs.dir, 'big'), big)).rejects.toMatchObject({ code: 'ENOSPC' });
        await fs.resize(4 * MiB);
        await writeFile(join(fs.dir, 'big'), big);
        expect((await readFile(join(fs.dir, 'big'))).equals(big)).toBe(true);
        expect(await readFile(join(fs.dir, 'small'), 'utf8')).toBe('kept');
        // A child process started through command() sees the same files at `path`, and its
        // writes hit the same size limit.
        const cat = fs.command('cat', [join(fs.path, 'small')]);
        expect(spawnSync(cat.command, cat.args, { encoding: 'utf8' }).stdout).toBe('kept');
        const dd = fs.command('sh', ['-c', `head -c ${8 * MiB} /dev/zero > ${join(fs.path, 'more')}`]);
        const child = spawnSync(dd.command, dd.args, { encoding: 'utf8' });
        expect(child.status).not.toBe(0);
        expect(child.stderr).toMatch(/no space/i);
        expect((await statfs(fs.dir)).bavail).toBe(0);
      } finally {
        await fs.close();
      }
      await expect(access(join(fs.dir, 'small'))).rejects.toThrow();
      await fs.close();
    });
  }

  for (const method of available) {
    it(`${method}: remounts read-only (EROFS) and back, keeping the files`, async () => {
      await withSmallFilesystem(
        MiB,
        async (fs) => {
          await writeFile(join(fs.dir, 'kept'), 'yes');
          await fs.setReadOnly(true);
          await expect(writeFile(join(fs.dir, 'new'), 'no')).rejects.toMatchObject({ code: 'EROFS' });
          expect(await readFile(join(fs.dir, 'kept'), 'utf8')).toBe('yes');
          await fs.setReadOnly(false);
          await writeFile(join(fs.dir, 'new'), 'now');
        },
        { method },
      );
    });
  }

  it('refuses a size below one page', async () => {
    await expect(mountSmallFilesystem(100)).rejects.toThrow(RangeError);
  });
});
