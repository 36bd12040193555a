/**
 * A small, fast, deterministic pseudo-random generator (Marsaglia's xorshift128) seeded through
 * splitmix32. `Math.random` cannot be seeded, and the corpus must be byte-identical for the same
 * seed on every machine, so all randomness in this package flows through this class.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed any 32-bit integer; every seed (including 0) gives a usable, distinct stream. */
  constructor(seed: number) {
    // splitmix32 spreads a small seed over 128 bits of state: xorshift128 must not start at all
    // zeros, and neighbouring seeds (42, 43) would otherwise give correlated first outputs.
    let s = seed >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    // State is kept as signed int32 (`| 0`): values above 2^31 would not fit V8's small integers and
    // every draw would allocate a heap number, which made the generator ~2x slower.
    this.a = mix() | 0;
    this.b = mix() | 0;
    this.c = mix() | 0;
    this.d = mix() | 1;
  }

  /** Next unsigned 32-bit integer, uniform over [0, 2^32). */
  nextUint32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    const next = t ^ s ^ (s >>> 19);
    this.a = next;
    return next >>> 0;
  }

  /** Next integer, uniform over [0, n) for 0 < n <= 2^32 (the tiny modulo bias is irrelevant here). */
  nextInt(n: number): number {
    return this.nextUint32() % n;
  }
}
