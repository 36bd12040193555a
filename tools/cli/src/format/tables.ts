import Table from 'cli-table3';
import type { FunctionInfo, Job, Node, PhaseProgress } from '@weft/client';
import { BreakerState, Executor, FunctionKind, JobState, NodeRole, NodeState, Phase } from '@weft/client';
import type { ResultRecord } from '@weft/client';
import { formatBytes, formatDuration, timestampMs } from './units.js';

/** The lower-case name of a proto enum value without its prefix: JobState.SUCCEEDED -> "succeeded". */
export function enumName(e: Record<number, string>, value: number): string {
  return (e[value] ?? String(value)).toLowerCase().replace(/_/g, '-');
}

function table(head: string[], colWidths?: (number | null)[]): Table.Table {
  // No colours: output is often pasted into issues and logs.
  return new Table({ head, style: { head: [], border: [] }, ...(colWidths ? { colWidths, wordWrap: true } : {}) });
}

/** `weft cluster`: one row per node with role, address, slots and health. */
export function clusterTable(nodes: readonly Node[]): string {
  const t = table(['ID', 'ROLE', 'ADDRESS', 'STATE', 'SLOTS', 'BUSY', 'QUEUED', 'BREAKER', 'REFUSED', 'TASKS', 'RSS']);
  for (const n of nodes) {
    const worker = n.role === NodeRole.MAPPER || n.role === NodeRole.REDUCER;
    t.push([
      n.id,
      enumName(NodeRole, n.role),
      n.address,
      enumName(NodeState, n.state),
      worker ? n.slots : '-',
      worker ? n.busySlots : '-',
      worker ? n.queued : '-',
      n.breaker === BreakerState.UNSPECIFIED ? '-' : enumName(BreakerState, n.breaker),
      // Calls and scatter batches the node's bulkhead turned away (slots and queue full).
      worker ? n.bulkheadRejections.toString() : '-',
      worker ? n.tasksCompleted.toString() : '-',
      n.rssBytes ? formatBytes(Number(n.rssBytes)) : '-',
    ]);
  }
  return t.toString();
}

function phaseCell(phases: readonly PhaseProgress[], phase: Phase): string {
  const p = phases.find((x) => x.phase === phase);
  return p && p.tasksTotal ? `${p.tasksDone}/${p.tasksTotal}` : '-';
}

/** Wall time of a job so far (or in total once it ended), e.g. "3.2s"; "-" before it starts. */
export function jobDuration(job: Job, now = Date.now()): string {
  const start = timestampMs(job.startedAt) ?? timestampMs(job.createdAt);
  if (start === undefined) return '-';
  return formatDuration((timestampMs(job.finishedAt) ?? now) - start);
}

/** `weft jobs`: one row per job. */
export function jobsTable(jobs: readonly Job[]): string {
  const t = table(['ID', 'FUNCTION', 'STATE', 'MAP', 'REDUCE', 'CREATED', 'DURATION']);
  for (const j of jobs) {
    const created = timestampMs(j.createdAt);
    t.push([
      j.id,
      j.function,
      enumName(JobState, j.state),
      phaseCell(j.phases, Phase.MAP),
      phaseCell(j.phases, Phase.REDUCE),
      created === undefined ? '-' : new Date(created).toISOString(),
      jobDuration(j),
    ]);
  }
  return t.toString();
}

/** `weft functions`: one row per registered function. */
export function functionsTable(fns: readonly FunctionInfo[]): string {
  // Descriptions and parameter lists are long: wrap them so the table fits a 120-column terminal.
  const t = table(['NAME', 'KIND', 'EXECUTOR', 'IDEMPOTENT', 'PARAMS', 'DESCRIPTION'], [null, null, null, null, 30, 42]);
  for (const f of fns) {
    const params = f.params.map((p) => `${p.name}${p.required ? '' : '?'}: ${p.type}`).join(', ');
    const idempotent = f.kind === FunctionKind.SCATTER ? (f.idempotent ? 'yes' : 'no') : '-';
    t.push([f.name, enumName(FunctionKind, f.kind), enumName(Executor, f.executor), idempotent, params || '-', f.description]);
  }
  return t.toString();
}

/** `weft results`: one row per record. */
export function resultsTable(records: readonly ResultRecord[]): string {
  const t = table(['KEY', 'VALUE']);
  for (const r of records) t.push([r.key, formatValue(r.value)]);
  return t.toString();
}

function formatValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? '';
}
