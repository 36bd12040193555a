import { dashboardPath, parseDashboardRoute } from './routes.js';

describe('parseDashboardRoute', () => {
  it('knows every page and round-trips through dashboardPath', () => {
    for (const [path, route] of [
      ['/', { page: 'cluster' }],
      ['/jobs', { page: 'jobs' }],
      ['/submit', { page: 'submit' }],
      ['/scatter', { page: 'scatter' }],
      ['/jobs/job-mi2x0k-3fa9c1', { page: 'job', jobId: 'job-mi2x0k-3fa9c1' }],
    ] as const) {
      expect(parseDashboardRoute(path)).toEqual(route);
      expect(dashboardPath(route)).toBe(path);
    }
  });

  it('refuses anything else, traversal and encodings included', () => {
    for (const path of ['/index.html', '/jobs/', '/jobs/a/b', '/jobs/..', '/jobs/.hidden', '/jobs/%2e%2e', '/jobs/a%2Fb', '/cluster', '/jobs/' + 'x'.repeat(129), '//jobs', '/Jobs']) {
      expect(parseDashboardRoute(path)).toBeUndefined();
    }
  });
});
