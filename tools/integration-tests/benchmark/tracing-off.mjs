// Benchmark note for issue 9: with no OTEL_* configuration Weft exports nothing and is not slowed.
// 1. The cost, per RPC, of the instrumentation that always runs (client + server span with the
//    API's no-op tracer, propagation with the no-op propagator, no-op metrics).
// 2. Word count jobs on a real local cluster: no OTEL_* at all, versus tracing on (exporting to an
//    in-process receiver), median of several runs each.
// Run from the repository root after building: node_modules/.bin/node tools/integration-tests/benchmark/tracing-off.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { generateCorpusFile } from '@weft/corpus';
import { startCluster } from '@weft/testing';
import { weftTracer } from '@weft/telemetry';

const runs = Number(process.env.RUNS ?? 5);
const corpusMiB = Number(process.env.CORPUS_MIB ?? 20);

function noopSpanCost() {
  const n = 1_000_000;
  const headers = new Headers();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const span = weftTracer().startSpan('weft.v1.JobService/GetJob', { attributes: { 'rpc.system': 'grpc', 'rpc.method': 'GetJob' } });
    trace.getActiveSpan();
    headers.get('traceparent');
    span.setAttribute('rpc.grpc.status_code', 0);
    span.end();
  }
  return Number(process.hrtime.bigint() - started) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function jobTimes(tracing, corpus) {
  const cluster = await startCluster({ mappers: 2, reducers: 2, tracing, env: { COORDINATOR_SPLIT_SIZE: '2MiB' } });
  try {
    const times = [];
    for (let i = 0; i < runs + 1; i++) {
      const started = performance.now();
      const job = await cluster.client.submit({ function: 'wordcount', inputs: [{ file: corpus }], reducers: 2 });
      await job.wait();
      if (i > 0) times.push(performance.now() - started); // the first run warms up
    }
    return { times, spans: cluster.spans().length };
  } finally {
    await cluster.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'weft-bench-tracing-'));
try {
  const corpus = join(dir, 'corpus.txt');
  await generateCorpusFile(corpus, { bytes: corpusMiB * 1024 * 1024, seed: 7 });
  console.log(`no-op span (tracing off), per span: ${noopSpanCost().toFixed(0)} ns`);
  const off = await jobTimes(false, corpus);
  const on = await jobTimes(true, corpus);
  console.log(`wordcount ${corpusMiB} MiB, 2 mappers + 2 reducers, ${runs} runs each (after one warm-up):`);
  console.log(`  tracing off: median ${median(off.times).toFixed(0)} ms  [${off.times.map((t) => t.toFixed(0)).join(', ')}]  spans received: ${off.spans}`);
  console.log(`  tracing on:  median ${median(on.times).toFixed(0)} ms  [${on.times.map((t) => t.toFixed(0)).join(', ')}]  spans received: ${on.spans}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
