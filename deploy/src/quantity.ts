const suffixes: Record<string, number> = {
  m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

/**
 * Parses a Kubernetes resource quantity (`500m`, `2`, `512Mi`, `1G`) into a plain number
 * (cores or bytes). Throws on anything else, rather than guess.
 */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new Error(`unsupported resource quantity "${quantity}"`);
  return Number(match[1]) * suffixes[match[2] ?? '']!;
}
