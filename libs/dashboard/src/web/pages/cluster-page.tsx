import type { JSX } from 'preact';
import { BreakerState, Executor, FunctionKind, NodeRole, NodeState, type FunctionInfo, type Node } from '@weft/proto';
import { useApi } from '../api-context.js';
import { ErrorBanner } from '../components/error-banner.js';
import { breakerStateName, formatAge, formatBytes, formatCount, nodeRoleName, nodeStateName } from '../logic/format.js';
import { usePoll } from '../use-poll.js';

function Load(props: { node: Node }): JSX.Element {
  const { slots, busySlots, queued } = props.node;
  if (slots === 0) return <span class="muted">—</span>;
  return (
    <span class="load">
      <meter min={0} max={slots} value={busySlots} aria-label={`${props.node.id} busy slots`} />
      <span>
        {busySlots}/{slots}
        {queued > 0 ? ` +${queued} queued` : ''}
      </span>
    </span>
  );
}

function NodeRow(props: { node: Node; nowMs: number }): JSX.Element {
  const n = props.node;
  const worker = n.role === NodeRole.MAPPER || n.role === NodeRole.REDUCER;
  return (
    <tr data-testid="node-row" data-role={nodeRoleName(n.role)} data-state={nodeStateName(n.state)}>
      <td>
        <code>{n.id}</code>
      </td>
      <td>{nodeRoleName(n.role).toLowerCase()}</td>
      <td class={n.state === NodeState.ALIVE ? 'ok' : 'warn'}>{nodeStateName(n.state)}</td>
      <td>
        <Load node={n} />
      </td>
      <td class={n.breaker === BreakerState.OPEN ? 'bad' : n.breaker === BreakerState.HALF_OPEN ? 'warn' : ''} data-testid="node-breaker">
        {breakerStateName(n.breaker)}
      </td>
      <td class="num">{worker ? formatCount(n.bulkheadRejections) : '—'}</td>
      <td class="num">{worker ? formatCount(n.tasksCompleted) : '—'}</td>
      <td class="num">{n.role === NodeRole.MAPPER ? `${n.scatterItemsInFlight} (peak ${n.scatterItemsPeak})` : '—'}</td>
      <td class="num">{n.rssBytes > 0n ? formatBytes(n.rssBytes) : '—'}</td>
      <td>{formatAge(n.lastHeartbeatAt, props.nowMs)}</td>
      <td class="muted">{n.address}</td>
    </tr>
  );
}

function FunctionsTable(props: { functions: readonly FunctionInfo[] }): JSX.Element {
  return (
    <table class="data" data-testid="functions">
      <thead>
        <tr>
          <th scope="col">function</th>
          <th scope="col">kind</th>
          <th scope="col">runs on</th>
          <th scope="col">timed-out items retried</th>
          <th scope="col">parameters</th>
          <th scope="col">what it does</th>
        </tr>
      </thead>
      <tbody>
        {props.functions.map((f) => (
          <tr key={f.name}>
            <td>
              <code>{f.name}</code>
            </td>
            <td>{f.kind === FunctionKind.JOB ? 'map-reduce job' : 'scatter'}</td>
            <td>{f.executor === Executor.IO ? 'event loop (I/O)' : 'thread pool (CPU)'}</td>
            <td>{f.kind === FunctionKind.JOB ? '—' : f.idempotent ? 'yes (idempotent)' : 'no'}</td>
            <td>{f.params.map((p) => `${p.name}${p.required ? '' : '?'}: ${p.type}`).join(', ') || '—'}</td>
            <td>{f.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Cluster overview: every node with role, health, load, breaker; the registered functions. Refreshed every 2 s. */
export function ClusterPage(): JSX.Element {
  const api = useApi();
  const cluster = usePoll(async (signal) => ({ nodes: (await api.cluster.describeCluster({}, { signal })).nodes, at: Date.now() }), 2_000, [api]);
  const functions = usePoll((signal) => api.cluster.listFunctions({}, { signal }), 0, [api]);
  const nodes = cluster.data?.nodes ?? [];
  const workers = nodes.filter((n) => n.role === NodeRole.MAPPER || n.role === NodeRole.REDUCER);
  const slots = workers.reduce((sum, n) => sum + n.slots, 0);
  const busy = workers.reduce((sum, n) => sum + n.busySlots, 0);
  return (
    <section aria-labelledby="cluster-title">
      <h1 id="cluster-title">Cluster</h1>
      <ErrorBanner error={cluster.error} context="DescribeCluster" />
      {cluster.data ? (
        <p class="summary" data-testid="cluster-summary">
          {nodes.length} nodes · {workers.filter((n) => n.state === NodeState.ALIVE).length} of {workers.length} workers alive · {busy}/{slots} worker slots busy
        </p>
      ) : cluster.error ? null : (
        <p class="muted">Loading…</p>
      )}
      <table class="data" data-testid="nodes">
        <thead>
          <tr>
            <th scope="col">node</th>
            <th scope="col">role</th>
            <th scope="col">state</th>
            <th scope="col">load (busy/slots)</th>
            <th scope="col">breaker</th>
            <th scope="col" class="num" title="calls and scatter batches the coordinator's bulkhead for the node refused (slots and queue full)">
              refused
            </th>
            <th scope="col" class="num">
              tasks done
            </th>
            <th scope="col" class="num">
              scatter in flight
            </th>
            <th scope="col" class="num">
              memory
            </th>
            <th scope="col">heartbeat</th>
            <th scope="col">address</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => (
            <NodeRow key={n.id} node={n} nowMs={cluster.data?.at ?? Date.now()} />
          ))}
        </tbody>
      </table>
      <h2>Functions</h2>
      <ErrorBanner error={functions.error} context="ListFunctions" />
      {functions.data ? <FunctionsTable functions={functions.data.functions} /> : null}
    </section>
  );
}
