import { ModelhubError, readInputFile, type ModelInput } from '@modelhub/core';

/** A text ready to tokenize, with the name errors and outputs use for it. */
export interface TextItem {
  readonly text: string;
  readonly name: string;
}

/** How an input is named in messages: its path, its given name, or a short quote of the text. */
export function describeTextInput(input: ModelInput): string {
  if (typeof input === 'string') {
    return input;
  }
  if (input instanceof Uint8Array) {
    return `<${input.byteLength} bytes>`;
  }
  if (input.name !== undefined) {
    return input.name;
  }
  const quoted = input.text.length > 40 ? `${input.text.slice(0, 37)}…` : input.text;
  return JSON.stringify(quoted);
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Turns an input into its text: a path is read as a UTF-8 `.txt` file (one example per file, outer
 * whitespace dropped), bytes are decoded the same way, and a `{ text }` is taken as it is. A file
 * that is not UTF-8, or a text with nothing but whitespace, is an INVALID_INPUT naming the input.
 */
export async function readTextInput(input: ModelInput): Promise<TextItem> {
  const name = describeTextInput(input);
  let text: string;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const bytes = typeof input === 'string' ? await readInputFile(input) : input;
    try {
      text = decoder.decode(bytes);
    } catch (cause) {
      throw new ModelhubError('INVALID_INPUT', `${name} is not UTF-8 text.`, {
        hint: 'Save the file as UTF-8 (one example per .txt file).',
        details: { input: name },
        cause,
      });
    }
  } else {
    text = input.text;
  }
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new ModelhubError(
      'INVALID_INPUT',
      `${name} is empty: a text example needs at least one non-space character.`,
      {
        hint: 'Remove the empty example, or pass --skip-bad to leave it out.',
        details: { input: name },
      },
    );
  }
  return { text: trimmed, name };
}
