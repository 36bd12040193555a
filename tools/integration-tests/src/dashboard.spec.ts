import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpusText } from '@weft/corpus';
import { NodeRole } from '@weft/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { useClusterSuite } from './support/cluster-suite.js';
import { referenceWordCount, topByValue } from './support/reference-word-count.js';
import { eventually } from './support/resilience-helpers.js';

// Issue 6, part 3, "Must show": the dashboard the gateway serves, driven in real headless Chromium
// (Debian's, through playwright-core; no browser download): the cluster page lists the nodes, a word
// count submitted from the page's form reaches 100% in both phases and SUCCEEDED, its top 10 words
// equal an independent count exactly, the waterfall shows the job span and map and reduce attempts
// (screenshots in test-artifacts/dashboard/), a scatter call's items arrive with node and latency,
// and a failed call shows its Connect code in the error banner. Authentication is on: the page
// works only once its token field holds a valid token, which it keeps across a reload.

const chromiumPath = process.env.WEFT_CHROMIUM || '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../../test-artifacts/dashboard/', import.meta.url));
const WAIT_MS = 120_000; // only catches hangs
// A few thousand lines of the deterministic corpus (seed 606), put into the form as inline input;
// 64 KiB splits make it several map tasks over the two mappers.
const corpus = generateCorpusText({ bytes: 256 * 1024, seed: 606 });

// The tokens file must exist before the suite's beforeAll starts the cluster: written while jest
// loads this file.
const adminToken = 'dashboard-admin-token-0123456789';
const fixtures = mkdtempSync(join(tmpdir(), 'weft-dashboard-'));
const tokensFile = join(fixtures, 'tokens');
writeFileSync(tokensFile, `${adminToken} admin ops\n`);

let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];

// Declared before the cluster's hooks: the browser closes first, then the cluster stops.
beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install Debian's (apt-get install chromium) or set WEFT_CHROMIUM to a Chromium binary`);
  }
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Below jest's limit, so a hang fails with what playwright was waiting for.
  page.setDefaultTimeout(WAIT_MS / 2);
  // Uncaught exceptions and console errors (a CSP violation is one) fail the suite's last test.
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
  await mkdir(artifacts, { recursive: true });
}, WAIT_MS);

afterAll(async () => {
  await browser?.close();
  await rm(fixtures, { recursive: true, force: true });
}, WAIT_MS);

const suite = useClusterSuite('dashboard', { mappers: 2, reducers: 2, token: adminToken, env: { COORDINATOR_SPLIT_SIZE: '64KiB', GATEWAY_TOKENS_FILE: tokensFile } });

/** Texts of every element matching `selector`, in document order. */
const textsOf = (selector: string): Promise<string[]> => page.locator(selector).allTextContents();

/** Primes below each n, from a sieve: independent of count-primes' trial division. */
function primesBelow(n: number): number {
  const composite = new Uint8Array(n);
  let count = 0;
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue;
    count += 1;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}

describe('the web dashboard in headless Chromium', () => {
  it('asks for a token, keeps it, and then lists every node of the cluster on its first page', () =>
    suite.run(async (cluster) => {
      await page.goto(cluster.gatewayUrl);
      // No token yet: the gateway refuses DescribeCluster, and the page says so with the code.
      const banner = page.getByTestId('error-banner').first();
      await banner.waitFor();
      expect(await banner.textContent()).toBe('DescribeCluster: UNAUTHENTICATED (16) authentication required: send a valid bearer token');
      await page.getByLabel('Token').fill(adminToken);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByTestId('node-row').first().waitFor();
      await page.reload();

      const expected = await cluster.client.cluster();
      await page.locator('[data-testid=node-row]').nth(expected.length - 1).waitFor();
      expect(await page.getByTestId('error-banner').count()).toBe(0);
      const ids = await textsOf('[data-testid=node-row] td:first-child');
      expect([...ids].sort()).toEqual(expected.map((n) => n.id).sort());
      const roles = await page.locator('[data-testid=node-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-role')));
      expect([...roles].sort()).toEqual(['COORDINATOR', 'GATEWAY', 'MAPPER', 'MAPPER', 'REDUCER', 'REDUCER']);
      expect(expected.filter((n) => n.role === NodeRole.MAPPER)).toHaveLength(2);
      // The index is served with the dashboard's security headers.
      const index = await page.request.get(cluster.gatewayUrl);
      expect(index.headers()).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });
      expect(index.headers()['content-security-policy']).toContain("default-src 'self'");
      await page.screenshot({ path: join(artifacts, 'cluster-page.png'), fullPage: true });
    }));

  it('submits a word count from its form and follows it to 100%, the exact top 10 words and the waterfall', () =>
    suite.run(async (cluster) => {
      await page.getByTestId('nav-submit').click();
      await page.getByTestId('submit-function').selectOption('wordcount');
      // The corpus goes in through the form's file picker, which fills its text area (typing 256 KiB
      // key by key takes a headless browser most of a minute); the page then submits it inline.
      await page.getByTestId('submit-file').setInputFiles({ name: 'corpus.txt', mimeType: 'text/plain', buffer: Buffer.from(corpus) });
      await eventually('the text area holds the corpus', async () => (await page.getByTestId('submit-input').inputValue()) === corpus);
      await page.getByTestId('submit-reducers').fill('2');
      await page.getByTestId('submit-button').click();

      await page.waitForURL(/\/jobs\/job-[A-Za-z0-9-]+$/);
      const jobId = decodeURIComponent(new URL(page.url()).pathname.slice('/jobs/'.length));
      expect(await page.getByTestId('job-id').textContent()).toBe(jobId);

      // Live progress: both bars end at 100 and the state at SUCCEEDED.
      await page.getByTestId('job-state').filter({ hasText: /^SUCCEEDED$/ }).waitFor();
      await page.getByTestId('phase-map-percent').filter({ hasText: /^100%$/ }).waitFor();
      await page.getByTestId('phase-reduce-percent').filter({ hasText: /^100%$/ }).waitFor();
      const bars = await page.locator('[data-testid=phases] progress').evaluateAll((els) => els.map((e) => [e.getAttribute('aria-valuenow'), (e as unknown as { value: number }).value]));
      expect(bars).toEqual([
        ['100', 100],
        ['100', 100],
      ]);
      const job = await cluster.client.job(jobId).get();
      expect(job.phases.map((p) => p.tasksDone === p.tasksTotal && p.tasksTotal > 0)).toEqual([true, true]);
      expect(job.phases[0]?.tasksTotal).toBeGreaterThan(1);

      // Top 10 by count, ties by key: exactly the independent count's.
      const counts = referenceWordCount(corpus);
      await page.getByTestId('top-result').nth(9).waitFor();
      const keys = await textsOf('[data-testid=top-result-key]');
      const values = await textsOf('[data-testid=top-result-value]');
      expect(keys.map((key, i) => ({ key, value: Number(values[i]) }))).toEqual(topByValue(counts, 10));
      expect(await page.getByTestId('job-result-count').textContent()).toBe(counts.size.toLocaleString('en-US'));
      // Every counter of the ended job, with its exact value (the page re-reads GetJob once it ended).
      const counters = Object.entries(job.counters)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => `${name}=${value.toLocaleString('en-US')}`);
      const shownCounters = async (): Promise<string[]> => (await page.locator('[data-testid=counters] tbody tr').allInnerTexts()).map((row) => row.replace(/\s+/, '='));
      await eventually('the counters table shows the ended job\'s counters', async () => (await shownCounters()).join() === counters.join());
      expect(counters.length).toBeGreaterThan(5);

      // The waterfall, once every span of the job has ended: the job span, map and reduce attempts.
      await page.locator('[data-testid=waterfall-row][data-span-name^="reduce "]').first().waitFor();
      await page.locator('[data-testid=waterfall-row].running').first().waitFor({ state: 'detached' });
      const spans = await page.locator('[data-testid=waterfall-row]').evaluateAll((rows) => rows.map((r) => ({ name: r.getAttribute('data-span-name') ?? '', critical: r.classList.contains('critical') })));
      const names = spans.map((s) => s.name);
      expect(names).toContain('job wordcount');
      expect(names.filter((n) => /^map m-\d+ attempt \d+$/.test(n)).length).toBeGreaterThanOrEqual(job.phases[0]?.tasksTotal ?? 2);
      expect(names.filter((n) => /^reduce r-\d+ attempt \d+$/.test(n)).length).toBeGreaterThanOrEqual(2);
      expect(spans.find((s) => s.name === 'job wordcount')?.critical).toBe(true);

      await page.screenshot({ path: join(artifacts, 'job-page.png'), fullPage: true });
      // The jobs list links to it.
      await page.getByTestId('nav-jobs').click();
      await page.locator(`[data-testid=job-row] a[href="/jobs/${jobId}"]`).waitFor();
    }));

  it('runs a scatter call and shows each item with its node and latency as it arrives', () =>
    suite.run(async (cluster) => {
      const mapperIds = (await cluster.client.cluster()).filter((n) => n.role === NodeRole.MAPPER).map((n) => n.id);
      const inputs = [1_000, 2_000, 3_000, 10_000, 50_000, 100_000];
      await page.getByTestId('nav-scatter').click();
      await page.getByTestId('scatter-function').selectOption('count-primes');
      await page.getByTestId('scatter-items').fill(inputs.join('\n'));
      await page.getByTestId('scatter-run').click();
      await page.getByTestId('scatter-summary').waitFor();

      const items = await page.locator('[data-testid=scatter-item]').evaluateAll((rows) =>
        rows.map((r) => ({
          index: Number(r.getAttribute('data-index')),
          status: r.getAttribute('data-status'),
          value: r.querySelector('[data-testid=scatter-item-value]')?.textContent,
          node: r.querySelector('td:nth-child(4)')?.textContent,
          latency: r.querySelector('[data-testid=scatter-item-latency]')?.textContent,
        })),
      );
      expect(items.map(({ index, status, value }) => ({ index, status, value })).sort((a, b) => a.index - b.index)).toEqual(
        inputs.map((n, index) => ({ index, status: 'OK', value: String(primesBelow(n)) })),
      );
      for (const item of items) {
        expect(mapperIds).toContain(item.node);
        expect(item.latency).toMatch(/^\d+ ms$/);
      }
      expect(await page.getByTestId('scatter-summary').textContent()).toMatch(/^6 succeeded · 0 failed · 0 timed out · 0 cancelled · 0 hedged · /);
      await page.screenshot({ path: join(artifacts, 'scatter-page.png'), fullPage: true });
    }));

  it('shows a failed call’s Connect code and message in the error banner', () =>
    suite.run(async (cluster) => {
      await page.goto(`${cluster.gatewayUrl}/jobs/job-that-does-not-exist`);
      const banner = page.getByTestId('error-banner').first();
      await banner.waitFor();
      expect(await banner.getAttribute('data-code')).toBe('NOT_FOUND');
      expect(await banner.textContent()).toContain('NOT_FOUND (5) job job-that-does-not-exist does not exist');
      // The calls without a token and those for the missing job are the only failed requests the
      // console reports; nothing else went wrong (no exception, no CSP violation).
      const expectedFailures = [401, 404].map((status) => `console: Failed to load resource: the server responded with a status of ${status} (${status === 401 ? 'Unauthorized' : 'Not Found'})`);
      expect(pageErrors.filter((e) => !expectedFailures.includes(e))).toEqual([]);
    }));
});
