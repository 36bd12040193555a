import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@weft/errors';
import { checkAllowedUrl, defaultAllowedHosts } from '@weft/jobs';

/**
 * Where a job's inputs may come from: file paths under one of `roots` (checked after resolving
 * symlinks, so a link cannot lead out), and http(s) URLs whose host is in `urlHosts`.
 */
export interface InputPolicy {
  /** Absolute directories file inputs must lie under; `/` allows every path. */
  readonly roots: readonly string[];
  /** Directories file inputs may also come from, never named in messages (the coordinator's upload dir). */
  readonly internalRoots?: readonly string[];
  /** Host names (or IP literals) URL inputs may name, lower-case. */
  readonly urlHosts: readonly string[];
}

/** The policy when nothing is configured: any file, loopback URLs only. */
export const defaultInputPolicy: InputPolicy = { roots: ['/'], urlHosts: defaultAllowedHosts };

/** True when `dir` is `file` or one of its ancestors. */
function contains(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Checks that `file` (an existing, absolute path) lies under an allowed root.
 * @throws InvalidArgumentError naming `field`, e.g.
 *   `spec.inputs[0].file.path is outside the allowed input roots (/data): /etc/passwd`.
 */
export async function checkInputPath(policy: InputPolicy, file: string, field: string): Promise<void> {
  if (policy.roots.some((root) => root === '/')) return;
  const real = await realpath(file).catch(() => file);
  const roots = await Promise.all([...policy.roots, ...(policy.internalRoots ?? [])].map((root) => realpath(root).catch(() => path.resolve(root))));
  if (!roots.some((root) => contains(root, real))) {
    throw new InvalidArgumentError(field, `is outside the allowed input roots (${policy.roots.join(', ')}): ${file}`);
  }
}

/**
 * Checks a job's output directory: absolute, under an allowed root, and missing or empty (a job
 * never mixes its part files with another's).
 * @throws InvalidArgumentError naming `field`.
 */
export async function checkOutputDir(policy: InputPolicy, dir: string, field: string): Promise<void> {
  if (!path.isAbsolute(dir)) throw new InvalidArgumentError(field, `must be an absolute path, got "${dir}"`);
  const resolved = path.resolve(dir);
  if (!policy.roots.some((root) => root === '/' || contains(path.resolve(root), resolved))) {
    throw new InvalidArgumentError(field, `is outside the allowed input roots (${policy.roots.join(', ')}): ${dir}`);
  }
  const info = await stat(resolved).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) throw new InvalidArgumentError(field, `is not a directory: ${dir}`);
  if ((await readdir(resolved)).length > 0) throw new InvalidArgumentError(field, `must be empty or not exist yet: ${dir}`);
}

/**
 * Checks a URL input: http or https, no credentials, and a host on the allow-list.
 * @throws InvalidArgumentError naming `field`, e.g.
 *   `spec.inputs[0].url.url host "example.com" is not on the allow-list (127.0.0.1, localhost, ::1)`.
 */
export function checkInputUrl(policy: InputPolicy, raw: string, field: string): URL {
  return checkAllowedUrl(policy.urlHosts, raw, field);
}
