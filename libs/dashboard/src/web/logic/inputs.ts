import type { JsonObject, JsonValue } from '@bufbuild/protobuf';

/**
 * The inline records of a job typed into the submit form: one per line. A final line break does
 * not add an empty record; empty lines inside the text stay (a file would have them too).
 */
export function recordsOfText(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A job's or call's params typed as JSON: blank means none; anything but an object is an error. */
export function parseParams(text: string): JsonObject {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`params are not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('params must be a JSON object, e.g. {"pattern": "error"}');
  return value as JsonObject;
}

/**
 * The items of a scatter call typed into the scatter form: a JSON array, or one item per non-blank
 * line, each line read as JSON when it parses (`100000`, `{"ms": 20}`, `"text"`) and as a plain
 * string otherwise. Throws when there is no item.
 */
export function parseScatterInputs(text: string): JsonValue[] {
  const trimmed = text.trim();
  let items: JsonValue[];
  if (trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`items are not a valid JSON array: ${(err as Error).message}`);
    }
    if (!Array.isArray(value)) throw new Error('items must be a JSON array or one item per line');
    items = value as JsonValue[];
  } else {
    items = trimmed.split('\n').map((l) => l.trim()).filter((l) => l !== '').map(parseLine);
  }
  if (items.length === 0) throw new Error('enter at least one item');
  return items;
}

function parseLine(line: string): JsonValue {
  try {
    return JSON.parse(line) as JsonValue;
  } catch {
    return line;
  }
}
