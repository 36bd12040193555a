import { InvalidArgumentError } from '@weft/errors';
import { createAllowedFetch } from '../allowed-fetch.js';
import { defineFunction } from '../definitions.js';

/** What `http-get` returns for one URL. */
export interface HttpGetResult {
  /** The URL asked for. */
  url: string;
  /** HTTP status of the final response (after allowed redirects). */
  status: number;
  /** Body bytes read (at most `maxBytes`). */
  bytes: number;
  /** True when the body was longer than `maxBytes` and reading stopped there. */
  truncated: boolean;
  /** The response's content-type, or "". */
  contentType: string;
  /** The body as UTF-8 text, when `includeBody` is set. */
  body?: string;
}

const loopbackOnly = createAllowedFetch();

/**
 * Scatter function (io), the seed's I/O task: GETs a URL and reports status and size. Only hosts
 * on the node's allow-list are reachable (`WEFT_URL_ALLOWED_HOSTS`, default loopback), redirects
 * included; the node passes its allow-listed fetch as `ctx.fetch`.
 */
export const httpGet = defineFunction<unknown, HttpGetResult>({
  name: 'http-get',
  description: 'GETs an http(s) URL on the allow-list and returns status, size and (optionally) body. Input: URL string.',
  params: {
    includeBody: { type: 'boolean', default: false, description: 'Return the body as text too.' },
    maxBytes: { type: 'integer', default: 1_048_576, min: 1, max: 64 * 1_048_576, description: 'Most body bytes read per URL.' },
  },
  executor: 'io',
  idempotent: true,
  async run(input, ctx) {
    if (typeof input !== 'string') throw new InvalidArgumentError('input', `must be an http(s) URL string, got ${JSON.stringify(input) ?? String(input)}`);
    const maxBytes = ctx.params.maxBytes as number;
    const response = await (ctx.fetch ?? loopbackOnly)(input, ctx.signal);
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let truncated = false;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const room = maxBytes - bytes;
        if (value.byteLength > room) {
          chunks.push(value.subarray(0, room));
          bytes += room;
          truncated = true;
          await reader.cancel();
          break;
        }
        chunks.push(value);
        bytes += value.byteLength;
      }
    }
    const result: HttpGetResult = { url: input, status: response.status, bytes, truncated, contentType: response.headers.get('content-type') ?? '' };
    if (ctx.params.includeBody === true) result.body = Buffer.concat(chunks).toString('utf8');
    return result;
  },
});
