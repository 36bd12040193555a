// The dashboard's client-side routes, in one place: the browser app's router parses them and the
// gateway serves index.html for exactly these paths (anything else that is not a built file is 404).

/** A page of the dashboard. */
export type DashboardRoute =
  | { readonly page: 'cluster' }
  | { readonly page: 'jobs' }
  | { readonly page: 'job'; readonly jobId: string }
  | { readonly page: 'submit' }
  | { readonly page: 'scatter' };

// Job ids are `job-<time>-<hex>`; the pattern is looser on purpose (any id the API may hand out),
// yet excludes '/', '%' and '.' sequences, so a route can never name a file outside the assets.
const jobPath = /^\/jobs\/([A-Za-z0-9_-][A-Za-z0-9_.-]{0,127})$/;

/** The route of `pathname` (no query, no fragment), or undefined when it is not a dashboard page. */
export function parseDashboardRoute(pathname: string): DashboardRoute | undefined {
  switch (pathname) {
    case '/':
      return { page: 'cluster' };
    case '/jobs':
      return { page: 'jobs' };
    case '/submit':
      return { page: 'submit' };
    case '/scatter':
      return { page: 'scatter' };
  }
  const job = jobPath.exec(pathname);
  return job ? { page: 'job', jobId: job[1] as string } : undefined;
}

/** The path of `route`, the inverse of {@link parseDashboardRoute}. */
export function dashboardPath(route: DashboardRoute): string {
  switch (route.page) {
    case 'cluster':
      return '/';
    case 'job':
      return `/jobs/${encodeURIComponent(route.jobId)}`;
    default:
      return `/${route.page}`;
  }
}
