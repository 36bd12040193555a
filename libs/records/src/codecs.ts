import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import type { ValueCodec, ValueCodecName } from './value-codec.js';

/**
 * Safe integers (|n| <= 2^53 - 1). Encoding: a sign-magnitude varint whose first byte holds the
 * continuation bit, the sign bit and the low 6 bits of |n|; later bytes carry 7 bits each.
 * Zigzag would need 2^54 for the largest safe integers, which a double cannot hold exactly.
 * `write` throws RangeError naming the key for anything that is not a safe integer.
 */
export const intCodec: ValueCodec<number> = {
  name: 'int',
  id: 1,
  write(out: ByteWriter, value: number, key: string): void {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`value of key ${JSON.stringify(key)} must be a safe integer for the int codec, got ${String(value)}`);
    }
    out.ensure(9);
    const bytes = out.bytes;
    let pos = out.length;
    const sign = value < 0 ? 0x40 : 0;
    let magnitude = value < 0 ? -value : value;
    if (magnitude < 0x40) {
      bytes[pos++] = sign | magnitude;
      out.length = pos;
      return;
    }
    bytes[pos++] = 0x80 | sign | (magnitude % 0x40);
    magnitude = Math.floor(magnitude / 0x40);
    while (magnitude >= 0x80) {
      bytes[pos++] = (magnitude % 0x80) | 0x80;
      magnitude = Math.floor(magnitude / 0x80);
    }
    bytes[pos++] = magnitude;
    out.length = pos;
  },
  read(input: ByteReader): number {
    const first = input.byte();
    let magnitude = first & 0x3f;
    if (first >= 0x80) magnitude += input.varint() * 0x40;
    return first & 0x40 ? -magnitude : magnitude;
  },
};

/** Arbitrary-size bigints, stored as a length-prefixed decimal string (exact, any size). */
export const bigintCodec: ValueCodec<bigint> = {
  name: 'bigint',
  id: 2,
  write(out: ByteWriter, value: bigint, key: string): void {
    if (typeof value !== 'bigint') {
      throw new RangeError(`value of key ${JSON.stringify(key)} must be a bigint for the bigint codec, got ${typeof value}`);
    }
    out.string(value.toString());
  },
  read(input: ByteReader): bigint {
    const text = input.string();
    if (!/^-?\d+$/.test(text)) throw new RangeError(`malformed bigint value ${JSON.stringify(text)} in run`);
    return BigInt(text);
  },
};

/**
 * The first form of the `json` codec (header id 3): every value as length-prefixed UTF-8 JSON text.
 * Runs are only written with {@link jsonCodec} now; readers still accept this form (a run from an
 * older mapper during an upgrade).
 * @internal
 */
export const jsonTextCodec: ValueCodec<unknown> = {
  name: 'json',
  id: 3,
  write(out: ByteWriter, value: unknown, key: string): void {
    out.string(jsonText(value, key));
  },
  read(input: ByteReader): unknown {
    return JSON.parse(input.string()) as unknown;
  },
};

// Tags of the `json` codec's binary form: the common values skip JSON.stringify/JSON.parse.
const TAG_INT = 0; // a safe integer, as intCodec stores it
const TAG_STRING = 1; // a well-formed string, varint length + UTF-8
const TAG_TRUE = 2;
const TAG_FALSE = 3;
const TAG_NULL = 4;
const TAG_JSON = 5; // anything else, as JSON text

/**
 * Any JSON value (header id 4). A tag byte, then: safe integers as intCodec's varint, well-formed
 * strings as UTF-8, `true`/`false`/`null` as the tag alone; anything else (non-integer numbers,
 * arrays, objects, strings with lone surrogates) as JSON text. Values read back exactly as
 * `JSON.parse(JSON.stringify(value))` would (-0 reads as 0, NaN and infinities as null), and the
 * bytes depend only on the value, so runs of the same input are byte-identical. `write` throws
 * RangeError naming the key for values JSON cannot represent (undefined, functions, bigints, cycles).
 */
export const jsonCodec: ValueCodec<unknown> = {
  name: 'json',
  id: 4,
  write(out: ByteWriter, value: unknown, key: string): void {
    switch (typeof value) {
      case 'string':
        if (value.isWellFormed()) {
          out.byte(TAG_STRING);
          out.string(value);
          return;
        }
        break;
      case 'number':
        if (Number.isSafeInteger(value)) {
          out.byte(TAG_INT);
          intCodec.write(out, value === 0 ? 0 : value, key); // -0 is 0 in JSON
          return;
        }
        break;
      case 'boolean':
        out.byte(value ? TAG_TRUE : TAG_FALSE);
        return;
      case 'object':
        if (value === null) {
          out.byte(TAG_NULL);
          return;
        }
        break;
    }
    const text = jsonText(value, key);
    out.byte(TAG_JSON);
    out.string(text);
  },
  read(input: ByteReader): unknown {
    const tag = input.byte();
    switch (tag) {
      case TAG_INT:
        return intCodec.read(input);
      case TAG_STRING:
        return input.string();
      case TAG_TRUE:
        return true;
      case TAG_FALSE:
        return false;
      case TAG_NULL:
        return null;
      case TAG_JSON:
        return JSON.parse(input.string()) as unknown;
      default:
        throw new RangeError(`malformed json value in run: unknown tag ${tag}`);
    }
  },
};

/** `JSON.stringify(value)`, or RangeError naming the key when JSON cannot represent it. */
function jsonText(value: unknown, key: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new RangeError(`value of key ${JSON.stringify(key)} is not JSON-serializable: ${(error as Error).message}`);
  }
  if (text === undefined) {
    throw new RangeError(`value of key ${JSON.stringify(key)} is not JSON-serializable: got ${typeof value}`);
  }
  return text;
}

const byName: Record<ValueCodecName, ValueCodec<unknown>> = {
  int: intCodec as ValueCodec<unknown>,
  bigint: bigintCodec as ValueCodec<unknown>,
  json: jsonCodec,
};
const byId = [undefined, intCodec, bigintCodec, jsonTextCodec, jsonCodec] as const;

/** Looks a codec up by name. Throws RangeError for an unknown name. */
export function codecByName(name: ValueCodecName): ValueCodec<unknown> {
  const codec = Object.hasOwn(byName, name) ? byName[name] : undefined;
  if (!codec) throw new RangeError(`unknown value codec ${JSON.stringify(name)} (expected int, bigint or json)`);
  return codec;
}

/** The codec name stored under header id `id`, or undefined when the id is unknown. @internal */
export function codecNameOfId(id: number): ValueCodecName | undefined {
  return byId[id]?.name;
}

/**
 * The codec that reads a run whose header says `id`, for a reader that expects `codec`: `codec`
 * itself, or an older form of the same codec (`json` runs written as JSON text, id 3); undefined
 * when the run was written with another codec. @internal
 */
export function codecForHeader(id: number, codec: ValueCodec<unknown>): ValueCodec<unknown> | undefined {
  if (id === codec.id) return codec;
  const stored = byId[id];
  return stored && stored.name === codec.name ? stored : undefined;
}
