// Builds the browser app into dist/web: one minified ES module bundle and one stylesheet, both with
// content hashes in their names (served with a long Cache-Control), source maps, and index.html
// pointing at them (served no-cache). Run by the package's `build` script after tsc.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('.', import.meta.url));
const out = join(root, 'dist', 'web');

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/web/main.tsx', styles: 'src/web/styles.css' },
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  tsconfig: 'tsconfig.web.json',
  metafile: true,
  logLevel: 'warning',
});

/** The built file name of an entry point, e.g. `app-5XJ2K7QZ.js`. */
function outputOf(entry) {
  const found = Object.entries(result.metafile.outputs).find(([, meta]) => meta.entryPoint === entry);
  if (!found) throw new Error(`esbuild produced no output for ${entry}`);
  return basename(found[0]);
}

const html = (await readFile(join(root, 'src/web/index.html'), 'utf8'))
  .replace('{{script}}', outputOf('src/web/main.tsx'))
  .replace('{{styles}}', outputOf('src/web/styles.css'));
await writeFile(join(out, 'index.html'), html);
