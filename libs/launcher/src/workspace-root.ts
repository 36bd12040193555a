import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The monorepo root: the nearest ancestor of `from` (default: this file) whose package.json
 * declares `workspaces`. Resolved from the file's location, not the cwd, so `weft dev` works from
 * any directory. Throws an `Error` naming `from` when there is none.
 */
export function findWorkspaceRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
      if (pkg.workspaces) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no npm workspace root above ${from}`);
    dir = parent;
  }
}
