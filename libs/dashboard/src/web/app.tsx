import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { DashboardRoute } from '../routes.js';
import { ClusterPage } from './pages/cluster-page.js';
import { JobPage } from './pages/job-page.js';
import { JobsPage } from './pages/jobs-page.js';
import { ScatterPage } from './pages/scatter-page.js';
import { SubmitPage } from './pages/submit-page.js';
import { Link, useRoute } from './router.js';

const nav: readonly { route: DashboardRoute; label: string }[] = [
  { route: { page: 'cluster' }, label: 'Cluster' },
  { route: { page: 'jobs' }, label: 'Jobs' },
  { route: { page: 'submit' }, label: 'Submit' },
  { route: { page: 'scatter' }, label: 'Scatter' },
];

/** The bearer token field: saved in localStorage, sent on every call from the next one on. */
function TokenField(props: { token: string; onSave: (token: string) => void }): JSX.Element {
  const [draft, setDraft] = useState(props.token);
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(draft);
      }}
    >
      <label for="token-input">Token</label>
      <input id="token-input" type="password" autocomplete="off" value={draft} placeholder="none (dev mode)" onInput={(e) => setDraft(e.currentTarget.value)} />
      <button type="submit">Save</button>
    </form>
  );
}

function Page(props: { route: DashboardRoute | undefined }): JSX.Element {
  const { route } = props;
  switch (route?.page) {
    case 'cluster':
      return <ClusterPage />;
    case 'jobs':
      return <JobsPage />;
    case 'job':
      return <JobPage key={route.jobId} jobId={route.jobId} />;
    case 'submit':
      return <SubmitPage />;
    case 'scatter':
      return <ScatterPage />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No such page. <Link to={{ page: 'cluster' }}>Go to the cluster overview.</Link>
          </p>
        </section>
      );
  }
}

/** The dashboard: navigation, the token field and the current page. */
export function App(props: { token: string; onTokenSave: (token: string) => void }): JSX.Element {
  const route = useRoute();
  const [token, setToken] = useState(props.token);
  const current = route?.page === 'job' ? 'jobs' : route?.page;
  return (
    <>
      <header class="top">
        <span class="brand">Weft</span>
        <nav aria-label="main">
          {nav.map((item) => (
            <Link key={item.label} to={item.route} data-testid={`nav-${item.route.page}`} {...(current === item.route.page ? { 'aria-current': 'page' as const } : {})}>
              {item.label}
            </Link>
          ))}
        </nav>
        <TokenField
          token={token}
          onSave={(t) => {
            setToken(t);
            props.onTokenSave(t);
          }}
        />
      </header>
      <main>
        <Page route={route} />
      </main>
    </>
  );
}
