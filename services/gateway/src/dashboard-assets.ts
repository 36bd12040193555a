import { createReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import { parseDashboardRoute } from '@weft/dashboard';
import Accept from '@hapi/accept';

/** A plain Node HTTP handler, as `startConnectServer`'s `fallback` takes it (HTTP/1.1 and HTTP/2 alike). */
export type AssetsHandler = NonNullable<ConnectNodeAdapterOptions['fallback']>;
type Request = Parameters<AssetsHandler>[0];

// What this handler uses of a response; the http and http2 response classes both have it, but their
// union's overloads are not callable as one.
interface Reply {
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  end(chunk?: string | Uint8Array): unknown;
  destroy(): unknown;
  readonly headersSent: boolean;
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * What the dashboard's page may do, enforced by the browser: scripts, styles, fetches and images
 * from this origin only (the bundle and the public API), no plugins, no framing, no <base> tricks.
 */
export const dashboardCsp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

// esbuild's `[name]-[hash]` entry names (and their source maps): 8 upper-case base32 characters.
// Such a file never changes under its name, so browsers may keep it for a year.
const hashedAsset = /^\/assets\/[A-Za-z0-9_.-]+-[A-Z0-9]{8}\.(js|css)(\.map)?$/;

const baseHeaders = { 'x-content-type-options': 'nosniff' } as const;

/** Smallest file worth compressing, in bytes: below it the headers outweigh the saving. */
const compressMinBytes = 1024;
/** Types that compress (text, JSON, SVG); images in other formats are compressed already. */
const compressibleType = /^(text\/|application\/json|image\/svg\+xml)/;

type Encoding = 'br' | 'gzip';
const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const compressors: Readonly<Record<Encoding, (data: Buffer) => Promise<Buffer>>> = {
  // Quality 9: within a few per cent of brotli's best for a bundle, in a tenth of its time.
  br: (data) => brotli(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
  gzip: (data) => gzipAsync(data, { level: 9 }),
};

/** The encodings the handler compresses into, in the order it prefers them when the client ranks them alike. */
const encodings: readonly Encoding[] = ['br', 'gzip'];

/**
 * The encoding to answer with, from `accept-encoding` as RFC 9110 ranks it: the client's highest
 * q-value wins, br over gzip on a tie (`*` counts for both); none when neither is acceptable, and
 * none for a malformed header, since every client takes a file as it is.
 */
export function pickEncoding(acceptEncoding: string | string[] | undefined): Encoding | undefined {
  const header = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
  let chosen: string;
  try {
    chosen = Accept.encoding(header, encodings);
  } catch {
    return undefined;
  }
  return encodings.find((encoding) => encoding === chosen);
}

/**
 * Compressed copies of the dashboard's files, made on first request and kept while the file is
 * unchanged (same size and mtime): the bundle is served compressed without compressing it again.
 * Bounded by the folder's own files (two encodings each).
 */
class CompressedFiles {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; bytes: Promise<Buffer> }>();

  get(file: string, info: Stats, encoding: Encoding): Promise<Buffer> {
    const key = `${encoding}:${file}`;
    const known = this.cache.get(key);
    if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) return known.bytes;
    const bytes = readFile(file).then((data) => compressors[encoding](data));
    const entry = { mtimeMs: info.mtimeMs, size: info.size, bytes };
    this.cache.set(key, entry);
    bytes.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    return bytes;
  }
}

function send(res: Reply, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...baseHeaders, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', ...headers });
  res.end(text);
}

/**
 * The raw path's segments, percent-decoded one by one, or undefined when the path could name
 * something outside the folder: a `.` or `..` segment (also encoded, `%2e%2E`), an encoded `/` or
 * `\`, a backslash, a NUL, or malformed percent-encoding.
 */
function safeSegments(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/') || rawPath.includes('\\')) return undefined;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

/**
 * Serves the dashboard's built files from `dir` for requests no RPC route matched: `/` and the
 * dashboard's client-side routes (`/jobs/<id>`, ...) get index.html (no-cache, with a
 * Content-Security-Policy), `/assets/*` the bundle and styles (hashed names cached for a year).
 * GET and HEAD only: another method on one of these paths is 405. Paths with `.`/`..` segments
 * (encoded or not) are refused 400 before touching the filesystem, and the resolved file must lie
 * inside `dir`. Everything else is 404 with no body, as Connect's own fallback answers, so unknown
 * RPCs still read UNIMPLEMENTED to gRPC clients. Text files of 1 KiB or more go br- or
 * gzip-compressed to a client that accepts it (compressed once, then kept); on a server whose
 * `GATEWAY_RESPONSE_COMPRESSION` is `remote`, loopback requests arrive without `accept-encoding`
 * and are answered as they are.
 */
export function createDashboardAssetsHandler(dir: string): AssetsHandler {
  const root = resolve(dir);
  const compressed = new CompressedFiles();
  const serve = async (req: Request, res: Reply, body: NodeJS.WritableStream): Promise<void> => {
    const rawPath = (req.url ?? '/').split('?')[0] as string;
    const segments = safeSegments(rawPath);
    if (!segments) return send(res, 400, 'bad path\n');
    const isPage = parseDashboardRoute(rawPath) !== undefined;
    const file = isPage ? resolve(root, 'index.html') : resolve(root, ...segments);
    if (!file.startsWith(root + sep)) return send(res, 404, '');
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      if (isPage) return send(res, 404, 'the dashboard is not built: run `npm run build`\n');
      res.writeHead(404);
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });

    const type = contentTypes[extname(file)] ?? 'application/octet-stream';
    const headers: OutgoingHttpHeaders = { ...baseHeaders, 'content-type': type, 'content-length': info.size };
    if (type.startsWith('text/html')) {
      Object.assign(headers, { 'cache-control': 'no-cache', 'content-security-policy': dashboardCsp, 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' });
    } else {
      headers['cache-control'] = hashedAsset.test(rawPath) ? 'public, max-age=31536000, immutable' : 'no-cache';
    }
    if (compressibleType.test(type) && info.size >= compressMinBytes) {
      headers.vary = 'accept-encoding';
      const encoding = pickEncoding(req.headers['accept-encoding']);
      if (encoding) {
        const bytes = await compressed.get(file, info, encoding);
        res.writeHead(200, { ...headers, 'content-encoding': encoding, 'content-length': bytes.length });
        res.end(req.method === 'HEAD' ? undefined : bytes);
        return;
      }
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(body);
  };
  return (req, response) => {
    const res = response as unknown as Reply;
    serve(req, res, response as unknown as NodeJS.WritableStream).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
}
