import { describe, expect, it } from 'vitest';
import * as z from 'zod';

import { lazySchema } from './lazy-schema.ts';

describe('lazySchema', () => {
  it('builds the schema on the first call only, and returns the same one after', () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds += 1;
      return z.object({ n: z.number() });
    });
    expect(builds).toBe(0);
    expect(schema().parse({ n: 1 })).toEqual({ n: 1 });
    expect(schema()).toBe(schema());
    expect(builds).toBe(1);
  });
});
