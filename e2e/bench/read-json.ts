import { readFile } from 'node:fs/promises';

/** Parses a JSON file; a missing or malformed file is named in the error. */
export async function readJsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read JSON (${(e as Error).message})`, { cause: e });
  }
}
