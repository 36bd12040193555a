import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { JobState, ResultOrder, type Job, type Record as ResultRecord } from '@weft/proto';
import { useApi } from '../api-context.js';
import { CountersTable } from '../components/counters-table.js';
import { ErrorBanner } from '../components/error-banner.js';
import { PhaseProgress } from '../components/phase-progress.js';
import { TopResults } from '../components/top-results.js';
import { Waterfall } from '../components/waterfall.js';
import { formatCount, formatDuration, formatTime, jobStateName, msOf } from '../logic/format.js';
import { applyWatchEvent, emptyJobView, type JobView } from '../logic/job-view.js';
import { layoutWaterfall } from '../logic/waterfall-layout.js';
import { usePoll } from '../use-poll.js';

const finalStates = new Set([JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED]);
const isFinal = (state: JobState | undefined): boolean => state !== undefined && finalStates.has(state);

/** Follows the job's WatchJob stream (snapshot, then every event) for as long as the page shows it. */
function useJobWatch(jobId: string): { view: JobView; error: unknown; rewatch: () => void } {
  const api = useApi();
  const [view, setView] = useState(emptyJobView);
  const [error, setError] = useState<unknown>(undefined);
  const [round, setRound] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setView(emptyJobView);
    setError(undefined);
    const follow = async (): Promise<void> => {
      let current = emptyJobView;
      try {
        for await (const message of api.jobs.watchJob({ jobId }, { signal: abort.signal })) {
          current = applyWatchEvent(current, message);
          setView(current);
        }
      } catch (err) {
        if (!abort.signal.aborted) setError(err);
      }
    };
    void follow();
    return () => abort.abort();
  }, [api, jobId, round]);
  return { view, error, rewatch: () => setRound((r) => r + 1) };
}

function JobFacts(props: { job: Job; state: JobState; nowMs: number }): JSX.Element {
  const { job } = props;
  const started = msOf(job.startedAt);
  const took = started === undefined ? undefined : (msOf(job.finishedAt) ?? props.nowMs) - started;
  return (
    <dl class="facts">
      <dt>state</dt>
      <dd data-testid="job-state" class={props.state === JobState.FAILED ? 'bad' : props.state === JobState.SUCCEEDED ? 'ok' : ''}>
        {jobStateName(props.state)}
      </dd>
      <dt>function</dt>
      <dd>{job.function}</dd>
      <dt>reducers</dt>
      <dd>{job.reducers}</dd>
      <dt>inputs</dt>
      <dd>{job.inputCount}</dd>
      <dt>created</dt>
      <dd>{formatTime(job.createdAt)}</dd>
      <dt>took</dt>
      <dd>{took === undefined ? '—' : formatDuration(took)}</dd>
      <dt>results</dt>
      <dd data-testid="job-result-count">{props.state === JobState.SUCCEEDED ? formatCount(job.resultCount) : '—'}</dd>
      <dt>trace</dt>
      <dd>
        <code>{job.traceId || '—'}</code>
      </dd>
      {job.error ? (
        <>
          <dt>error</dt>
          <dd class="bad" data-testid="job-error">
            {job.error}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

/** One job, live: state, per-phase progress, activity, counters, top results and the trace waterfall. */
export function JobPage(props: { jobId: string }): JSX.Element {
  const { jobId } = props;
  const api = useApi();
  const watch = useJobWatch(jobId);
  const [cancelError, setCancelError] = useState<unknown>(undefined);
  const watchedFinal = isFinal(watch.view.state);
  // GetJob brings the counters (the stream carries progress only): every 1.5 s while the job runs,
  // once more when it ended.
  const details = usePoll(async (signal) => ({ job: (await api.jobs.getJob({ jobId }, { signal })).job, at: Date.now() }), watchedFinal ? 0 : 1_500, [api, jobId, watchedFinal]);
  const job = details.data?.job ?? watch.view.job;
  const state = [watch.view.state, details.data?.job?.state].find(isFinal) ?? watch.view.state;
  const final = isFinal(state);
  const phases = final && details.data?.job?.phases.length ? details.data.job.phases : watch.view.phases.length > 0 ? watch.view.phases : (job?.phases ?? []);

  const succeeded = state === JobState.SUCCEEDED;
  const top = usePoll(
    async (signal): Promise<ResultRecord[] | undefined> => {
      if (!succeeded) return undefined;
      const records: ResultRecord[] = [];
      for await (const batch of api.jobs.readResults({ jobId, order: ResultOrder.VALUE_DESC, limit: 10n }, { signal })) records.push(...batch.records);
      return records;
    },
    0,
    [api, jobId, succeeded],
  );

  const trace = usePoll(async (signal) => ({ ...(await api.jobs.getJobTrace({ jobId }, { signal })), at: Date.now() }), 0, [api, jobId]);
  const layout = trace.data ? layoutWaterfall(trace.data.spans, trace.data.at) : undefined;
  // The trace is re-read every 2 s until the job has ended and none of its spans is still open
  // (the job span ends just after the final state is reported), or the call fails once it ended.
  const traceSettled = final && (trace.error !== undefined || (layout !== undefined && !layout.rows.some((r) => r.running)));
  useEffect(() => {
    if (traceSettled) return undefined;
    const timer = setTimeout(trace.reload, 2_000);
    return () => clearTimeout(timer);
  }, [trace.data, trace.error, traceSettled]);

  const cancel = async (): Promise<void> => {
    setCancelError(undefined);
    try {
      await api.jobs.cancelJob({ jobId });
    } catch (err) {
      setCancelError(err);
    }
  };

  return (
    <section aria-labelledby="job-title">
      <h1 id="job-title">
        Job <code data-testid="job-id">{jobId}</code>
      </h1>
      <ErrorBanner error={watch.error} context="WatchJob" />
      {watch.error !== undefined && !final ? (
        <button type="button" onClick={watch.rewatch}>
          Watch again
        </button>
      ) : null}
      <ErrorBanner error={details.error} context="GetJob" />
      <ErrorBanner error={cancelError} context="CancelJob" />
      {job ? <JobFacts job={job} state={state} nowMs={details.data?.at ?? Date.now()} /> : <p class="muted">Loading…</p>}
      {job && !final ? (
        <button type="button" class="danger" onClick={() => void cancel()}>
          Cancel job
        </button>
      ) : null}

      <h2>Progress</h2>
      <div class="phases" data-testid="phases">
        {phases.map((p) => (
          <PhaseProgress key={p.phase} progress={p} />
        ))}
      </div>
      {watch.view.activity.length > 0 ? (
        <details class="activity">
          <summary>Recent activity ({watch.view.activity.length})</summary>
          <ol>
            {watch.view.activity.map((line) => (
              <li key={line.sequence.toString()} class={line.warning ? 'warn' : ''}>
                {line.timeMs === undefined ? '' : `${new Date(line.timeMs).toLocaleTimeString('en-GB', { hour12: false })} `}
                {line.text}
              </li>
            ))}
          </ol>
        </details>
      ) : null}

      <div class="columns">
        <div>
          <h2>Top results</h2>
          <ErrorBanner error={top.error} context="ReadResults" />
          {succeeded ? top.data ? <TopResults records={top.data} /> : <p class="muted">Loading…</p> : <p class="muted">Results appear when the job has succeeded.</p>}
        </div>
        <div>
          <h2>Counters</h2>
          {job ? <CountersTable counters={job.counters} /> : null}
        </div>
      </div>

      <h2>Trace</h2>
      <ErrorBanner error={trace.error} context="GetJobTrace" />
      {layout ? <Waterfall layout={layout} /> : null}
    </section>
  );
}
