import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { fromJson, toJson } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { FunctionKind, type ItemResult, type ScatterSummary } from '@weft/proto';
import { useApi } from '../api-context.js';
import { ErrorBanner } from '../components/error-banner.js';
import { codeName, formatDuration } from '../logic/format.js';
import { parseParams, parseScatterInputs } from '../logic/inputs.js';
import { usePoll } from '../use-poll.js';

function ItemRow(props: { item: ItemResult }): JSX.Element {
  const { item } = props;
  const outcome = item.outcome;
  const status = outcome.case === 'value' ? 'OK' : outcome.case === 'error' ? codeName(outcome.value.code) : 'UNKNOWN';
  const shown = outcome.case === 'value' ? JSON.stringify(toJson(ValueSchema, outcome.value)) : outcome.case === 'error' ? outcome.value.message : '';
  return (
    <tr data-testid="scatter-item" data-index={item.index} data-status={status}>
      <td class="num">{item.index}</td>
      <td class={status === 'OK' ? 'ok' : 'bad'}>{status}</td>
      <td data-testid="scatter-item-value">
        <code>{shown}</code>
      </td>
      <td>
        <code>{item.nodeId}</code>
      </td>
      <td class="num">{item.attempt}</td>
      <td class="num" data-testid="scatter-item-latency">
        {item.elapsedMs} ms
      </td>
      <td>{item.hedged ? 'yes' : ''}</td>
    </tr>
  );
}

/** Runs a scatter call over items typed in the page and shows each item's result as it arrives. */
export function ScatterPage(): JSX.Element {
  const api = useApi();
  const functions = usePoll((signal) => api.cluster.listFunctions({}, { signal }), 0, [api]);
  const scatterFunctions = functions.data?.functions.filter((f) => f.kind === FunctionKind.SCATTER) ?? [];
  const [fn, setFn] = useState('');
  const [items, setItems] = useState('[100000, 200000, 300000, 400000]');
  const [params, setParams] = useState('');
  const [concurrency, setConcurrency] = useState(8);
  const [timeoutMs, setTimeoutMs] = useState(0);
  const [hedgeMs, setHedgeMs] = useState(0);
  const [results, setResults] = useState<ItemResult[]>([]);
  const [summary, setSummary] = useState<ScatterSummary | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [running, setRunning] = useState(false);
  const abortRef = useRef<AbortController | undefined>(undefined);
  const chosen = fn || (scatterFunctions.some((f) => f.name === 'count-primes') ? 'count-primes' : (scatterFunctions[0]?.name ?? ''));
  const selected = scatterFunctions.find((f) => f.name === chosen);
  useEffect(() => () => abortRef.current?.abort(), []);

  const run = async (event: Event): Promise<void> => {
    event.preventDefault();
    const abort = new AbortController();
    abortRef.current = abort;
    setResults([]);
    setSummary(undefined);
    setError(undefined);
    setRunning(true);
    try {
      const inputs = parseScatterInputs(items).map((v) => fromJson(ValueSchema, v));
      const stream = api.scatter.scatter(
        { function: chosen, params: parseParams(params), inputs, maxConcurrency: concurrency, itemTimeoutMs: timeoutMs, hedgeAfterMs: hedgeMs },
        { signal: abort.signal },
      );
      const received: ItemResult[] = [];
      for await (const message of stream) {
        const kind = message.kind;
        if (kind.case === 'item') received.push(kind.value);
        else if (kind.case === 'items') received.push(...kind.value.results);
        else if (kind.case === 'summary') setSummary(kind.value);
        setResults([...received]);
      }
    } catch (err) {
      if (!abort.signal.aborted) setError(err);
    } finally {
      setRunning(false);
    }
  };

  return (
    <section aria-labelledby="scatter-title">
      <h1 id="scatter-title">Scatter calls</h1>
      <ErrorBanner error={functions.error} context="ListFunctions" />
      <form class="form" onSubmit={(e) => void run(e)} data-testid="scatter-form">
        <label for="scatter-function">Function</label>
        <select id="scatter-function" value={chosen} onChange={(e) => setFn(e.currentTarget.value)} data-testid="scatter-function">
          {scatterFunctions.map((f) => (
            <option key={f.name} value={f.name}>
              {f.name}
            </option>
          ))}
        </select>
        {selected ? <p class="hint">{selected.description}</p> : null}
        <label for="scatter-items">Items (a JSON array, or one JSON value per line)</label>
        <textarea id="scatter-items" rows={5} value={items} onInput={(e) => setItems(e.currentTarget.value)} spellcheck={false} data-testid="scatter-items" />
        <label for="scatter-params">Params (JSON object, optional)</label>
        <input id="scatter-params" type="text" value={params} onInput={(e) => setParams(e.currentTarget.value)} />
        <div class="inline-fields">
          <label>
            Max concurrency <input type="number" min={1} value={concurrency} onInput={(e) => setConcurrency(Number(e.currentTarget.value))} />
          </label>
          <label>
            Item timeout (ms, 0 = none) <input type="number" min={0} value={timeoutMs} onInput={(e) => setTimeoutMs(Number(e.currentTarget.value))} />
          </label>
          <label>
            Hedge after (ms, 0 = off) <input type="number" min={0} value={hedgeMs} onInput={(e) => setHedgeMs(Number(e.currentTarget.value))} />
          </label>
        </div>
        <div class="buttons">
          <button type="submit" disabled={running || chosen === ''} data-testid="scatter-run">
            {running ? 'Running…' : 'Run'}
          </button>
          <button type="button" disabled={!running} onClick={() => abortRef.current?.abort()}>
            Stop
          </button>
        </div>
      </form>
      <ErrorBanner error={error} context="Scatter" />
      {summary ? (
        <p class="summary" data-testid="scatter-summary">
          {summary.succeeded} succeeded · {summary.failed} failed · {summary.timedOut} timed out · {summary.cancelled} cancelled · {summary.hedged} hedged · {formatDuration(summary.wallMs)}
          {summary.traceId ? (
            <>
              {' '}
              · trace <code>{summary.traceId}</code>
            </>
          ) : null}
        </p>
      ) : null}
      {results.length > 0 ? (
        <table class="data" data-testid="scatter-results">
          <caption>Items in completion order</caption>
          <thead>
            <tr>
              <th scope="col" class="num">
                item
              </th>
              <th scope="col">status</th>
              <th scope="col">value / error</th>
              <th scope="col">node</th>
              <th scope="col" class="num">
                attempt
              </th>
              <th scope="col" class="num">
                latency
              </th>
              <th scope="col">hedged</th>
            </tr>
          </thead>
          <tbody>
            {results.map((item) => (
              <ItemRow key={`${item.index}-${item.attempt}`} item={item} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
