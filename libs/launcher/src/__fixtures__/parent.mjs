// A process that starts a cluster of fake services with the built launcher, prints the pids as
// one JSON line, and waits to be killed: the launcher must take its children down with it.
import { fileURLToPath } from 'node:url';
import { startLocalCluster } from '../../dist/index.js';

const fake = fileURLToPath(new URL('./fake-service.mjs', import.meta.url));
const cluster = await startLocalCluster({
  mappers: 1,
  reducers: 1,
  entryPoints: { coordinator: fake, gateway: fake, mapper: fake, reducer: fake },
});
process.stdout.write(`${JSON.stringify(cluster.nodes.map((n) => n.pid))}\n`);
setInterval(() => undefined, 1000);
