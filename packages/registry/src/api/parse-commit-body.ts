import { ModelhubError } from '@modelhub/core';

import type { CommitOperation } from '../service/commit-operation.ts';
import { CommitHeaderLine, CommitOperationLine } from './api-schemas.ts';

/** Decodes an NDJSON commit body into a header and operations (§9.3). */
export function parseCommitBody(text: string): {
  header: { summary: string; description: string; parentCommit?: string };
  operations: CommitOperation[];
} {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const [first, ...rest] = lines;
  if (first === undefined) {
    throw new ModelhubError('INVALID_INPUT', 'The commit body is empty.');
  }
  const head = CommitHeaderLine.parse(JSON.parse(first)).value;
  const operations = rest.map((line): CommitOperation => {
    const op = CommitOperationLine.parse(JSON.parse(line));
    switch (op.key) {
      case 'file':
        return {
          kind: 'file',
          path: op.value.path,
          content: Buffer.from(op.value.content, op.value.encoding === 'base64' ? 'base64' : 'utf8'),
        };
      case 'lfsFile':
        return {
          kind: 'lfsFile',
          path: op.value.path,
          sha256: op.value.oid,
          ...(op.value.size === undefined ? {} : { size: op.value.size }),
        };
      case 'deletedFile':
        return { kind: 'deletedFile', path: op.value.path };
      case 'deletedFolder':
        return { kind: 'deletedFolder', path: op.value.path };
    }
  });
  return {
    header: {
      summary: head.summary,
      description: head.description ?? '',
      ...(head.parentCommit == null ? {} : { parentCommit: head.parentCommit }),
    },
    operations,
  };
}
