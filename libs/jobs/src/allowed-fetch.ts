import { FailedPreconditionError, InvalidArgumentError } from '@weft/errors';

/** The hosts URL inputs and `http-get` may reach when a node configures none: loopback only. */
export const defaultAllowedHosts: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

/** Redirects followed before giving up. */
const maxRedirects = 5;

/** True when the URL's host is on `hosts` (case-insensitive; IPv6 literals without brackets). */
export function isAllowedHost(hosts: readonly string[], url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return hosts.some((allowed) => allowed.toLowerCase() === host);
}

/**
 * Parses and checks a URL a request names: http or https, no credentials, host on `hosts`.
 * @throws InvalidArgumentError naming `field`, e.g.
 *   `spec.inputs[0].url.url host "example.com" is not on the allow-list (127.0.0.1, localhost, ::1)`.
 */
export function checkAllowedUrl(hosts: readonly string[], raw: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError(field, `must be an absolute http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(field, `must use http or https, got ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) throw new InvalidArgumentError(field, 'must not carry credentials');
  if (!isAllowedHost(hosts, url)) throw new InvalidArgumentError(field, `host "${url.hostname}" is not on the allow-list (${hosts.join(', ')})`);
  return url;
}

/** A fetch restricted to the node's allow-list; what `io` functions get as `ctx.fetch`. */
export type AllowedFetch = (url: string, signal: AbortSignal) => Promise<Response>;

/**
 * Creates a GET-only fetch that reaches only `hosts`: the URL is checked first, redirects are
 * followed by hand (at most 5) and each target is checked too, so a redirect cannot lead off the list.
 * The returned fetch throws InvalidArgumentError (field `input`) for a URL off the list and
 * FailedPreconditionError for a redirect off the list or too many redirects.
 */
export function createAllowedFetch(hosts: readonly string[] = defaultAllowedHosts): AllowedFetch {
  return async (raw, signal) => {
    let url = checkAllowedUrl(hosts, raw, 'input');
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(url, { redirect: 'manual', signal });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel();
      if (redirects === maxRedirects) throw new FailedPreconditionError(`${raw} redirected more than ${maxRedirects} times`);
      const next = new URL(location, url);
      if ((next.protocol !== 'http:' && next.protocol !== 'https:') || !isAllowedHost(hosts, next)) {
        throw new FailedPreconditionError(`${url.href} redirected to ${next.protocol}//${next.host}, which is not on the allow-list (${hosts.join(', ')})`);
      }
      url = next;
    }
  };
}
