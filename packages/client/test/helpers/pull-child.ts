// Runs pull() in a child process and prints one JSON document: `{"result": …}` or `{"error": …}`.
// Tests use it when the code under test must run somewhere this process cannot reach directly
// (a filesystem that exists only inside a user namespace). Usage: node pull-child.ts REF OPTIONS_JSON
import { isModelhubError } from '@modelhub/core';

import { pull, type PullOptions } from '../../src/index.ts';

const [ref = '', json = '{}'] = process.argv.slice(2);
try {
  const result = await pull(ref, JSON.parse(json) as PullOptions);
  process.stdout.write(`${JSON.stringify({ result })}\n`);
} catch (error) {
  const coded = isModelhubError(error)
    ? { ...error.toJSON(), exitCode: error.exitCode }
    : { code: 'UNCODED', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  process.stdout.write(`${JSON.stringify({ error: coded })}\n`);
  process.exitCode = 1;
}
