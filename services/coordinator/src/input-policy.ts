import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@weft/errors';

/**
 * Where a job's inputs may come from: file paths under one of `roots` (checked after resolving
 * symlinks, so a link cannot lead out), and http(s) URLs whose host is in `urlHosts`.
 */
export interface InputPolicy {
  /** Absolute directories file inputs must lie under; `/` allows every path. */
  readonly roots: readonly string[];
  /** Host names (or IP literals) URL inputs may name, lower-case. */
  readonly urlHosts: readonly string[];
}

/** The policy when nothing is configured: any file, loopback URLs only. */
export const defaultInputPolicy: InputPolicy = { roots: ['/'], urlHosts: ['127.0.0.1', 'localhost', '::1'] };

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
  const roots = await Promise.all(policy.roots.map((root) => realpath(root).catch(() => path.resolve(root))));
  if (!roots.some((root) => contains(root, real))) {
    throw new InvalidArgumentError(field, `is outside the allowed input roots (${policy.roots.join(', ')}): ${file}`);
  }
}

/**
 * Checks a URL input: http or https, no credentials, and a host on the allow-list.
 * @throws InvalidArgumentError naming `field`, e.g.
 *   `spec.inputs[0].url.url host "example.com" is not on the allow-list (127.0.0.1, localhost, ::1)`.
 */
export function checkInputUrl(policy: InputPolicy, raw: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError(field, `must be an absolute http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(field, `must use http or https, got ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) throw new InvalidArgumentError(field, 'must not carry credentials');
  if (!isAllowedHost(policy.urlHosts, url)) {
    throw new InvalidArgumentError(field, `host "${url.hostname}" is not on the allow-list (${policy.urlHosts.join(', ')})`);
  }
  return url;
}

/** True when the URL's host is on `hosts` (IPv6 literals compared without brackets). */
export function isAllowedHost(hosts: readonly string[], url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return hosts.some((allowed) => allowed.toLowerCase() === host);
}
