/** What a service's `"msg":"ready"` log line says about it. */
export interface ReadyLine {
  /** Service name, e.g. "mapper". */
  readonly service: string;
  /** The node id it registered with. */
  readonly nodeId: string;
  /** Where it accepts calls, e.g. "http://127.0.0.1:40123". */
  readonly address: string;
}

/**
 * Parses one line of a service's stdout. Returns the ready information when the line is the pino
 * JSON `"msg":"ready"` line with an http(s) address, else undefined (every other line, JSON or not).
 */
export function parseReadyLine(line: string): ReadyLine | undefined {
  // Cheap pre-check: most lines are not the ready line, and JSON.parse on each would add up.
  if (!line.includes('"ready"')) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null) return undefined;
  const { msg, service, nodeId, address } = obj as Record<string, unknown>;
  if (msg !== 'ready' || typeof address !== 'string' || !/^https?:\/\/[^/]+:\d+/.test(address)) return undefined;
  return {
    service: typeof service === 'string' ? service : '',
    nodeId: typeof nodeId === 'string' ? nodeId : '',
    address: address.replace(/\/+$/, ''),
  };
}

/** The port of an address such as "http://127.0.0.1:40123". */
export function portOf(address: string): number {
  return Number(new URL(address).port);
}
