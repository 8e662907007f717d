import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { readTextInput } from './read-text-input.ts';

const dir = await mkdtemp(join(tmpdir(), 'modelhub-text-input-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readTextInput', () => {
  it('reads a UTF-8 .txt file without its BOM and outer whitespace', async () => {
    const path = join(dir, 'a.txt');
    await writeFile(path, '\ufeff  Free money now!\n');
    expect(await readTextInput(path)).toEqual({ text: 'Free money now!', name: path });
    expect((await readTextInput({ text: ' hi ' })).text).toBe('hi');
  });

  it('names the file when it is empty, blank or not UTF-8', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '');
    await expect(readTextInput(empty)).rejects.toThrow(`${empty} is empty`);
    const blank = join(dir, 'blank.txt');
    await writeFile(blank, ' \n\t ');
    await expect(readTextInput(blank)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const latin1 = join(dir, 'latin1.txt');
    await writeFile(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    await expect(readTextInput(latin1)).rejects.toThrow(`${latin1} is not UTF-8 text`);
    await expect(readTextInput({ text: '', name: 'data.csv:7' })).rejects.toThrow('data.csv:7 is empty');
    await expect(readTextInput(join(dir, 'missing.txt'))).rejects.toThrow(
      /Cannot read .*missing\.txt: no such file \(ENOENT\)/,
    );
  });
});
