import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { JobState, Phase, type Job } from '@weft/proto';
import { useApi } from '../api-context.js';
import { ErrorBanner } from '../components/error-banner.js';
import { formatDuration, formatTime, jobStateName, msOf } from '../logic/format.js';
import { phaseOf, phasePercent } from '../logic/progress.js';
import { Link } from '../router.js';
import { usePoll } from '../use-poll.js';

const pageSize = 50;

function durationOf(job: Job, nowMs: number): string {
  const start = msOf(job.startedAt) ?? msOf(job.createdAt);
  if (start === undefined) return '—';
  return formatDuration((msOf(job.finishedAt) ?? nowMs) - start);
}

/** The jobs, newest first, a page of 50 at a time, refreshed every 2 s. */
export function JobsPage(): JSX.Element {
  const api = useApi();
  // Tokens of the pages before the current one, so "newer" can go back.
  const [pages, setPages] = useState<string[]>(['']);
  const pageToken = pages[pages.length - 1] ?? '';
  const list = usePoll(async (signal) => ({ ...(await api.jobs.listJobs({ pageSize, pageToken }, { signal })), at: Date.now() }), 2_000, [api, pageToken]);
  const jobs = list.data?.jobs ?? [];
  const nowMs = list.data?.at ?? Date.now();
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <p>
        <Link to={{ page: 'submit' }} class="button">
          Submit a job
        </Link>
      </p>
      <ErrorBanner error={list.error} context="ListJobs" />
      {list.data && jobs.length === 0 ? <p class="muted">No jobs yet.</p> : null}
      {jobs.length > 0 ? (
        <table class="data" data-testid="jobs">
          <thead>
            <tr>
              <th scope="col">job</th>
              <th scope="col">function</th>
              <th scope="col">state</th>
              <th scope="col" class="num">
                map
              </th>
              <th scope="col" class="num">
                reduce
              </th>
              <th scope="col">created</th>
              <th scope="col" class="num">
                took
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-testid="job-row">
                <td>
                  <Link to={{ page: 'job', jobId: job.id }}>{job.id}</Link>
                </td>
                <td>{job.function}</td>
                <td class={job.state === JobState.FAILED ? 'bad' : job.state === JobState.SUCCEEDED ? 'ok' : ''}>{jobStateName(job.state)}</td>
                <td class="num">{phasePercent(phaseOf(job.phases, Phase.MAP))}%</td>
                <td class="num">{phasePercent(phaseOf(job.phases, Phase.REDUCE))}%</td>
                <td>{formatTime(job.createdAt)}</td>
                <td class="num">{durationOf(job, nowMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div class="pager">
        <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!list.data?.nextPageToken} onClick={() => list.data && setPages([...pages, list.data.nextPageToken])}>
          Older
        </button>
      </div>
    </section>
  );
}
