import { ModelhubError } from '@modelhub/core';

/**
 * The parser of a flag that counts something (`--top`, `--limit`, `--batch-size`): a whole number
 * of at least 1. `Number.parseInt` alone let `--top abc` through as NaN, which printed no labels.
 */
export function countOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new ModelhubError(
        'INVALID_ARGUMENT',
        `${name} must be a whole number of at least 1, got ${JSON.stringify(value)}.`,
        {
          hint: `Pass e.g. ${name} 5.`,
        },
      );
    }
    return n;
  };
}
