import { rowMapper, str, type Row } from '../row-mapping.ts';

/** A row as node-postgres returns it (bigint columns arrive as decimal strings; num() parses them). */
export type PgRow = Row;

function num(row: PgRow, key: string): number {
  const value = row[key];
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    return Number(value);
  }
  throw new TypeError(`column ${key} is not a number`);
}

export const { toAccount, toToken, toRepo, toCommit, toFile, toRef, toAlias, toBlob, toUpload } = rowMapper({
  num,
  bool: (row, key) => row[key] === true,
  time: (row, key) => {
    const value = row[key];
    return value instanceof Date ? value.toISOString() : str(row, key);
  },
  tags: (row, key) => {
    const value = row[key];
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
  },
});
