// A process that starts a cluster of fake services with the built launcher, prints the pids as
// one JSON line, and waits to be killed: the launcher must take its children down with it.
// HANDLE_SIGTERM=1 makes it an application that handles SIGTERM itself (stopping the cluster),
// registered before the launcher's own listener, as `weft dev` does.
import { fileURLToPath } from 'node:url';
import { startLocalCluster } from '../../dist/index.js';

let cluster;
if (process.env.HANDLE_SIGTERM) {
  process.once('SIGTERM', async () => {
    await cluster.stop();
    process.stdout.write('stopped gracefully\n');
    process.exit(0);
  });
}
const fake = fileURLToPath(new URL('./fake-service.mjs', import.meta.url));
cluster = await startLocalCluster({
  mappers: 1,
  reducers: 1,
  entryPoints: { coordinator: fake, gateway: fake, mapper: fake, reducer: fake },
});
process.stdout.write(`${JSON.stringify(cluster.nodes.map((n) => n.pid))}\n`);
setInterval(() => undefined, 1000);
