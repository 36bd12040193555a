import { readFile } from 'node:fs/promises';
import type { NodeHandle } from '@weft/launcher';

/**
 * The `/metrics` URL of a node, from the `metricsPort` on the last `"msg":"ready"` line of its
 * log (a restarted node logs a new one). Throws an Error naming the node when no ready line has it.
 */
export async function metricsUrlOf(node: NodeHandle): Promise<string> {
  const lines = (await readFile(node.logFile, 'utf8')).split('\n').filter((line) => line.includes('"ready"'));
  for (const line of lines.reverse()) {
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; metricsPort?: unknown };
      if (parsed.msg === 'ready' && typeof parsed.metricsPort === 'number') return `http://127.0.0.1:${parsed.metricsPort}/metrics`;
    } catch {
      // Not JSON: keep looking.
    }
  }
  throw new Error(`${node.name} logged no metrics port: start the cluster with { metrics: true }`);
}
