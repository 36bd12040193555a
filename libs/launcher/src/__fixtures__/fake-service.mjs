// A stand-in service for the launcher's own tests: binds <ROLE>_HOST/<ROLE>_PORT, logs the ready
// line the real services log, exits 0 on SIGTERM. FAKE_FAIL=<role> makes that role die at start,
// FAKE_HANG=<role> makes it never ready, FAKE_STUBBORN=<role> makes it ignore SIGTERM.
import { createServer } from 'node:http';

const role = ['coordinator', 'gateway', 'mapper', 'reducer'].find((r) => process.env[`${r.toUpperCase()}_PORT`] !== undefined);
const prefix = role.toUpperCase();
const log = (obj) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), service: role, ...obj })}\n`);

if (process.env.FAKE_FAIL === role) {
  log({ level: 50, msg: 'config invalid: COORDINATOR_URL is required' });
  process.exit(1);
}
log({ msg: 'starting', env: { coordinatorUrl: process.env.COORDINATOR_URL ?? null, dataDir: process.env.COORDINATOR_DATA_DIR ?? null, threads: process.env[`${prefix}_POOL_MAX_THREADS`] ?? null, mode: process.env.WEFT_TEST_MODE ?? null } });
if (process.env.FAKE_HANG === role) setInterval(() => undefined, 1000);
else {
  const server = createServer((_req, res) => res.end('ok'));
  server.listen(Number(process.env[`${prefix}_PORT`]), process.env[`${prefix}_HOST`], () => {
    const { port } = server.address();
    const nodeId = process.env[`${prefix}_NODE_ID`] ?? `${role}-${process.pid}`;
    log({ msg: 'ready', nodeId, address: `http://127.0.0.1:${port}` });
  });
  process.on('SIGTERM', () => {
    if (process.env.FAKE_STUBBORN === role) return;
    server.close(() => process.exit(0));
  });
}
