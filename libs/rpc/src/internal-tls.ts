import { readFileSync } from 'node:fs';
import type * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '@weft/errors';
import { filesSignature } from './file-signature.js';

/** PEM files of mutual TLS between services (WEFT_TLS_CA_FILE, WEFT_TLS_CERT_FILE, WEFT_TLS_KEY_FILE). */
export interface InternalTlsPaths {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** The PEM bytes of {@link InternalTlsPaths}. */
export interface InternalTlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads the three files now. @throws ConfigError naming a file that cannot be read. */
export function readInternalTls(paths: InternalTlsPaths): InternalTlsMaterial {
  const load = (name: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError([`${name} ${file} cannot be read: ${(error as Error).message}`]);
    }
  };
  return { ca: load('WEFT_TLS_CA_FILE', paths.caFile), cert: load('WEFT_TLS_CERT_FILE', paths.certFile), key: load('WEFT_TLS_KEY_FILE', paths.keyFile) };
}

/**
 * Client-side TLS options for a peer: present our certificate, trust only the cluster CA. The
 * peer's identity is "holds a certificate the cluster CA signed": workers are reached by pod IP,
 * which certificates do not name, so the host name check is skipped (the chain check is not).
 * TLS 1.2 at most: there the server checks our certificate inside the handshake, so a refused
 * certificate fails the connection visibly ("... before secure TLS connection was established");
 * under TLS 1.3 the refusal arrives after the handshake and a call sees only a reset stream.
 */
export function clientTlsOptions(material: InternalTlsMaterial): tls.SecureContextOptions & tls.ConnectionOptions {
  return { ca: material.ca, cert: material.cert, key: material.key, checkServerIdentity: () => undefined, maxVersion: 'TLSv1.2' };
}

/**
 * grpc-js server credentials that require a client certificate signed by the cluster CA. The files
 * are re-read every `refreshMs` by grpc-js's file watcher, so a renewed certificate or CA reaches
 * new connections without a restart. Reads the files once first, so a missing one fails at start.
 */
export function serverCredentials(paths: InternalTlsPaths, refreshMs = 60_000): grpc.ServerCredentials {
  readInternalTls(paths);
  const provider = new grpc.experimental.FileWatcherCertificateProvider({
    caCertificateFile: paths.caFile,
    certificateFile: paths.certFile,
    privateKeyFile: paths.keyFile,
    refreshIntervalMs: refreshMs,
  });
  // One provider holds both the CA and our identity (grpc-js names the arguments inconsistently).
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, true);
}

/** Calls `onChange` when any of the files changes (polled every `pollMs`); returns a stop function. */
export function watchInternalTls(paths: InternalTlsPaths, onChange: () => void, pollMs = 1_000): () => void {
  const signature = (): string => filesSignature([paths.caFile, paths.certFile, paths.keyFile]);
  let last = signature();
  const timer = setInterval(() => {
    const now = signature();
    if (now === last) return;
    last = now;
    onChange();
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
