import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { repoRoot } from './paths.js';

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

/** Every workspace package of the repository, by package name → its folder. */
function workspaceFolders(): Map<string, string> {
  const folders = new Map<string, string>();
  for (const group of ['libs', 'services', 'tools']) {
    for (const entry of readdirSync(path.join(repoRoot, group), { withFileTypes: true })) {
      const file = path.join(repoRoot, group, entry.name, 'package.json');
      if (entry.isDirectory() && existsSync(file)) folders.set((JSON.parse(readFileSync(file, 'utf8')) as Manifest).name, path.dirname(file));
    }
  }
  return folders;
}

/** The package a bare import specifier names (`@scope/name/sub` → `@scope/name`), or undefined for relative paths and Node built-ins. */
function packageOf(specifier: string): string | undefined {
  if (/^(\.|\/|node:)/.test(specifier) || builtinModules.includes(specifier.split('/')[0]!)) return undefined;
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

/**
 * Packages that the compiled output (`dist/**\/*.js`) of `entry` and of every workspace package
 * it depends on imports without declaring in `dependencies`. The image installs production
 * dependencies only (`npm ci --omit=dev`), so such an import either fails in the container or works
 * only by an accident of hoisting. Reads the build output: throws if a package was not built.
 */
export function undeclaredRuntimeImports(entry: string): string[] {
  const folders = workspaceFolders();
  const problems: string[] = [];
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const folder = folders.get(name)!;
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as Manifest;
    const declared = new Set([manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies })]);
    const dist = path.join(folder, 'dist');
    if (!existsSync(dist)) throw new Error(`${dist} does not exist: build first (npm run build at the root)`);
    for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(path.join(dist, file), 'utf8');
      // Static imports and re-exports start a line in tsc's output; dynamic imports may sit
      // anywhere but have their own shape. Plain prose such as "lost from '...'" matches neither.
      const specifiers = [
        ...text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm),
        ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ];
      for (const match of specifiers) {
        const dependency = packageOf(match[1]!);
        if (dependency && !declared.has(dependency)) problems.push(`${name} (dist/${file}) imports undeclared ${dependency}`);
      }
    }
    for (const dependency of Object.keys(manifest.dependencies ?? {})) if (folders.has(dependency)) queue.push(dependency);
  }
  return [...new Set(problems)];
}
