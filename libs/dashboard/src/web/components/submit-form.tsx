import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { FunctionInfo } from '@weft/proto';
import { useApi } from '../api-context.js';
import { parseParams, recordsOfText } from '../logic/inputs.js';
import { ErrorBanner } from './error-banner.js';

/**
 * Submits a map-reduce job with inline input: a function from ListFunctions, the text (one record
 * per line), optional JSON params and the number of reducers. Calls `onSubmitted` with the new job's id.
 */
export function SubmitForm(props: { functions: readonly FunctionInfo[]; onSubmitted: (jobId: string) => void }): JSX.Element {
  const api = useApi();
  const [fn, setFn] = useState(() => (props.functions.some((f) => f.name === 'wordcount') ? 'wordcount' : (props.functions[0]?.name ?? '')));
  const [text, setText] = useState('');
  const [params, setParams] = useState('');
  const [reducers, setReducers] = useState(2);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const selected = props.functions.find((f) => f.name === fn);

  const load = async (files: FileList | null): Promise<void> => {
    const file = files?.[0];
    if (!file) return;
    try {
      setText(await file.text());
    } catch (err) {
      setError(err);
    }
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const records = recordsOfText(text);
      if (records.length === 0) throw new Error('enter some input text: one record per line');
      const response = await api.jobs.submitJob({ spec: { function: fn, params: parseParams(params), inputs: [{ source: { case: 'inline', value: { records } } }], reducers } });
      props.onSubmitted(response.jobId);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={(e) => void submit(e)} data-testid="submit-form">
      <ErrorBanner error={error} context="SubmitJob" />
      <label for="submit-function">Function</label>
      <select id="submit-function" value={fn} onChange={(e) => setFn(e.currentTarget.value)} data-testid="submit-function">
        {props.functions.map((f) => (
          <option key={f.name} value={f.name}>
            {f.name}
          </option>
        ))}
      </select>
      {selected ? <p class="hint">{selected.description}</p> : null}
      <label for="submit-input">Input (one record per line)</label>
      <textarea id="submit-input" rows={12} value={text} onInput={(e) => setText(e.currentTarget.value)} spellcheck={false} data-testid="submit-input" />
      <label for="submit-file">…or load a text file into it</label>
      <input id="submit-file" type="file" accept="text/*,.txt,.log,.csv" onChange={(e) => void load(e.currentTarget.files)} data-testid="submit-file" />
      <label for="submit-params">Params (JSON object, optional)</label>
      <input
        id="submit-params"
        type="text"
        value={params}
        placeholder={selected?.params.length ? selected.params.map((p) => `"${p.name}": ${p.type}`).join(', ') : '{}'}
        onInput={(e) => setParams(e.currentTarget.value)}
        data-testid="submit-params"
      />
      <label for="submit-reducers">Reducers</label>
      <input id="submit-reducers" type="number" min={1} max={1024} value={reducers} onInput={(e) => setReducers(Number(e.currentTarget.value))} data-testid="submit-reducers" />
      <button type="submit" disabled={busy || fn === ''} data-testid="submit-button">
        {busy ? 'Submitting…' : 'Submit job'}
      </button>
    </form>
  );
}
