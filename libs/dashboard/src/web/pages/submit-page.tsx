import type { JSX } from 'preact';
import { FunctionKind } from '@weft/proto';
import { useApi } from '../api-context.js';
import { ErrorBanner } from '../components/error-banner.js';
import { SubmitForm } from '../components/submit-form.js';
import { navigate } from '../router.js';
import { usePoll } from '../use-poll.js';

/** Submit a job (the map-reduce functions from ListFunctions), then go to its page. */
export function SubmitPage(): JSX.Element {
  const api = useApi();
  const functions = usePoll((signal) => api.cluster.listFunctions({}, { signal }), 0, [api]);
  const jobs = functions.data?.functions.filter((f) => f.kind === FunctionKind.JOB);
  return (
    <section aria-labelledby="submit-title">
      <h1 id="submit-title">Submit a job</h1>
      <ErrorBanner error={functions.error} context="ListFunctions" />
      {jobs ? <SubmitForm functions={jobs} onSubmitted={(jobId) => navigate({ page: 'job', jobId })} /> : functions.error ? null : <p class="muted">Loading…</p>}
    </section>
  );
}
