/* eslint-disable no-console -- README examples print the way a user's script would */
// The code blocks of libs/client/README.md, verbatim between the region markers, so that the lint
// type-checks them and client-readme.spec.ts runs them against a real cluster.
import { createWeftClient, isJobFailedError, NodeRole } from '@weft/client';
import { createWeftClient as createWebClient } from '@weft/client/web';

/** Submits a word count, waits, prints the top words. */
export async function wordCount(): Promise<void> {
  // #region submit
  const client = createWeftClient({ url: process.env.WEFT_GATEWAY ?? 'http://127.0.0.1:8080' });
  const job = await client.submit({
    function: 'wordcount',
    inputs: [{ records: ['the cat sat', 'The dog sat on the cat'] }],
    reducers: 2,
  });
  const done = await job.wait(); // throws JobFailedError if the job fails or is cancelled
  console.log(`job ${done.id}: ${done.resultCount} distinct words`);
  for await (const { key, value } of job.results({ order: 'value', limit: 3 })) {
    console.log(key, value); // "the 3", "cat 2", "sat 2"
  }
  // #endregion
}

/** Follows a job's events as they happen. */
export async function watchJob(): Promise<void> {
  // #region watch
  const client = createWeftClient({ url: process.env.WEFT_GATEWAY ?? 'http://127.0.0.1:8080' });
  const job = await client.submit({ function: 'sum-of-squares', inputs: [{ records: ['1', '2', '3'] }] });
  for await (const event of job.watch()) {
    if (event.event.case === 'state') console.log('state', event.event.value);
  }
  for await (const { value } of job.results()) console.log('sum of squares', value); // 14
  // #endregion
}

/** Handles a failed job and lists the cluster's workers. */
export async function failuresAndCluster(): Promise<void> {
  // #region errors
  const client = createWeftClient({ url: process.env.WEFT_GATEWAY ?? 'http://127.0.0.1:8080' });
  const job = await client.submit({
    function: 'sum-of-squares',
    inputs: [{ records: ['1', 'not a number'] }],
    maxAttempts: 1,
  });
  try {
    await job.wait();
  } catch (err) {
    if (!isJobFailedError(err)) throw err;
    console.log('failed:', err.job.error);
  }
  const workers = (await client.cluster()).filter((n) => n.role === NodeRole.MAPPER);
  console.log(workers.map((n) => `${n.id} ${n.address} ${n.slots} slots`));
  // #endregion
}

/** The browser entry point: the same client over Connect-Web's fetch transport. */
export async function inBrowser(): Promise<void> {
  const createWeftClient = createWebClient;
  // #region browser
  const client = createWeftClient({ url: process.env.WEFT_GATEWAY ?? 'http://127.0.0.1:8080' });
  const job = await client.submit({ function: 'wordcount', inputs: [{ records: ['to be or not to be'] }] });
  for await (const event of job.watch()) console.log(event.phases.map((p) => p.tasksDone));
  // #endregion
}
