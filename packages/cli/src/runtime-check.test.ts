import { describe, expect, it } from 'vitest';

import { unsupportedNode } from './runtime-check.ts';

describe('unsupportedNode', () => {
  it('accepts Node 22.13 and newer', () => {
    for (const version of ['22.13.0', '22.20.1', '23.0.0', '24.21.0', '30.1.2']) {
      expect(unsupportedNode(version)).toBeUndefined();
    }
  });

  it('refuses older versions with a coded error and what to do', () => {
    for (const version of ['20.20.2', '22.12.9', '18.0.0', '8.17.0']) {
      const message = unsupportedNode(version) ?? '';
      expect(message).toContain('error [UNSUPPORTED_RUNTIME]');
      expect(message).toContain(`this is Node.js ${version}`);
      expect(message).toContain('hint: ');
    }
  });
});
