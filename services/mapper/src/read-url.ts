import { FailedPreconditionError, ResourceExhaustedError } from '@weft/errors';
import type { AllowedFetch } from '@weft/jobs';

/**
 * GETs a map task's URL input through the node's allow-listed fetch and returns the whole body.
 * @throws FailedPreconditionError for a non-2xx answer or a redirect off the allow-list,
 *   ResourceExhaustedError when the body exceeds `maxBytes`, InvalidArgumentError for a URL off the list.
 */
export async function readUrl(fetchUrl: AllowedFetch, url: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const response = await fetchUrl(url, signal);
  if (!response.ok) {
    await response.body?.cancel();
    throw new FailedPreconditionError(`GET ${url} answered ${response.status}`);
  }
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) throw new ResourceExhaustedError(`GET ${url} returned more than ${maxBytes} bytes (MAPPER_URL_MAX_BYTES)`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}
