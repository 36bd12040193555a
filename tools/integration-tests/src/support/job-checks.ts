import type { Job, Node, ResultRecord, WeftClient } from '@weft/client';
import { NodeRole, Phase } from '@weft/client';
import { compareUtf8 } from './reference-word-count.js';

/** Tasks each mapper and reducer has completed so far, by node id (from DescribeCluster). */
export async function tasksCompletedByNode(client: WeftClient): Promise<Map<string, bigint>> {
  const nodes: Node[] = await client.cluster();
  return new Map(
    nodes.filter((n) => n.role === NodeRole.MAPPER || n.role === NodeRole.REDUCER).map((n) => [n.id, n.tasksCompleted]),
  );
}

/** Ids of the nodes whose completed-task count grew between two `tasksCompletedByNode` readings. */
export function nodesThatWorked(before: ReadonlyMap<string, bigint>, after: ReadonlyMap<string, bigint>): string[] {
  return [...after].filter(([id, done]) => done > (before.get(id) ?? 0n)).map(([id]) => id).sort();
}

/** A job's task counts per phase, in a shape that diffs readably. */
export function phaseSummary(job: Job): Record<string, { total: number; done: number; failedAttempts: number }> {
  const out: Record<string, { total: number; done: number; failedAttempts: number }> = {};
  for (const p of job.phases) {
    const name = p.phase === Phase.MAP ? 'map' : p.phase === Phase.REDUCE ? 'reduce' : `phase-${p.phase}`;
    out[name] = { total: p.tasksTotal, done: p.tasksDone, failedAttempts: p.attemptsFailed };
  }
  return out;
}

/**
 * The first place where records in KEY order are not strictly ascending by UTF-8 bytes (a repeated
 * key or an out-of-order one), or undefined when the whole stream is ordered.
 */
export function firstKeyOrderViolation(records: readonly ResultRecord[]): { index: number; previous: string; key: string } | undefined {
  for (let i = 1; i < records.length; i++) {
    const previous = records[i - 1]!.key;
    const key = records[i]!.key;
    if (compareUtf8(previous, key) >= 0) return { index: i, previous, key };
  }
  return undefined;
}
