import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createRouterTransport, type HandlerContext } from '@connectrpc/connect';
import { ClusterService, Health, JobService } from '@weft/proto';
import { callOutcome } from './__fixtures__/call-outcome.js';
import { AuthCounters, authInterceptor, unauthenticatedMessage } from './auth-interceptor.js';
import { TokenStore } from './auth-tokens.js';
import { principalHeaders } from './principal.js';

const reader = 'reader-token-0123456789';
const admin = 'admin-token-0123456789';

describe('authInterceptor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-auth-'));
  writeFileSync(join(dir, 'tokens'), `${reader} read rita\n${admin} admin ops\n`);
  const tokens = new TokenStore(join(dir, 'tokens'));
  const counters = new AuthCounters();
  const seen: Record<string, string>[] = [];
  const transport = createRouterTransport(
    (router) => {
      router.service(JobService, {
        listJobs: (_request, ctx: HandlerContext) => {
          seen.push(principalHeaders(ctx));
          return {};
        },
        submitJob: () => ({ jobId: 'j' }),
      });
      router.service(ClusterService, { describeCluster: () => ({}) });
      router.service(Health, { check: () => ({ status: 1 }) });
    },
    { router: { interceptors: [authInterceptor(tokens, counters)] } },
  );
  const jobs = createClient(JobService, transport);
  const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  afterAll(() => {
    tokens.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every bad credential with one code and one message', async () => {
    const answers = await Promise.all([
      callOutcome(jobs.listJobs({})),
      callOutcome(jobs.listJobs({}, as('wrong-token-0123456789'))),
      callOutcome(jobs.listJobs({}, { headers: { authorization: `Basic ${reader}` } })),
      callOutcome(jobs.listJobs({}, { headers: { authorization: `Bearer ${reader} extra` } })),
      callOutcome(jobs.listJobs({}, as(reader.slice(0, -1)))),
    ]);
    expect(new Set(answers)).toEqual(new Set([`Unauthenticated: ${unauthenticatedMessage}`]));
    expect(counters.counts.unauthenticated).toBe(5);
  });

  it('checks scopes, lets admin do everything, and leaves health open', async () => {
    expect(await callOutcome(jobs.submitJob({}, as(reader)))).toBe('PermissionDenied: SubmitJob needs a token with the "submit" scope');
    expect(await callOutcome(createClient(ClusterService, transport).describeCluster({}, as(reader)))).toBe('PermissionDenied: DescribeCluster needs a token with the "admin" scope');
    expect(await callOutcome(jobs.submitJob({}, as(admin)))).toBe('OK');
    expect(await callOutcome(createClient(Health, transport).check({}))).toBe('OK');
    expect(counters.counts.permission_denied).toBe(2);
  });

  it('hands the principal to the relay, never the caller’s own identity headers', async () => {
    seen.length = 0;
    await jobs.listJobs({}, { headers: { authorization: `Bearer ${reader}`, 'x-weft-principal': 'ops', 'x-weft-admin': 'true' } });
    expect(seen).toEqual([{ 'x-weft-principal': 'rita', 'x-weft-admin': 'false' }]);
  });
});
