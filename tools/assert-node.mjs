// Weft needs Node 24 (node:sqlite, type stripping, cockatiel 4). The root package pins it as a
// dev dependency so npm scripts run on node_modules/.bin/node; this guard catches the case where
// that binary is missing (e.g. `npm ci --ignore-scripts`) and npm fell back to an older system Node.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `weft: Node ${process.versions.node} is too old; Weft needs Node 24 or newer.\n` +
      `Run 'npm ci' (without --ignore-scripts) so node_modules/.bin/node (Node 24) is installed.\n`,
  );
  process.exit(1);
}
