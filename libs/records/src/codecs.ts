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
 * Any JSON value, stored as length-prefixed UTF-8 JSON. `write` throws RangeError naming the key
 * for values JSON cannot represent (undefined, functions, bigints, cycles).
 */
export const jsonCodec: ValueCodec<unknown> = {
  name: 'json',
  id: 3,
  write(out: ByteWriter, value: unknown, key: string): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new RangeError(`value of key ${JSON.stringify(key)} is not JSON-serializable: ${(error as Error).message}`);
    }
    if (text === undefined) {
      throw new RangeError(`value of key ${JSON.stringify(key)} is not JSON-serializable: got ${typeof value}`);
    }
    out.string(text);
  },
  read(input: ByteReader): unknown {
    return JSON.parse(input.string()) as unknown;
  },
};

const byName: Record<ValueCodecName, ValueCodec<unknown>> = {
  int: intCodec as ValueCodec<unknown>,
  bigint: bigintCodec as ValueCodec<unknown>,
  json: jsonCodec,
};
const byId = [undefined, intCodec, bigintCodec, jsonCodec] as const;

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
