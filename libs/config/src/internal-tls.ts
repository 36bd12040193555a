import type { EnvReader } from './env-reader.js';

/** PEM files of mutual TLS between Weft's services (the cluster CA, this node's certificate and key). */
export interface InternalTlsFiles {
  /** The cluster CA that signs every service's certificate (WEFT_TLS_CA_FILE). */
  readonly caFile: string;
  /** This service's certificate chain (WEFT_TLS_CERT_FILE). */
  readonly certFile: string;
  /** This service's private key (WEFT_TLS_KEY_FILE). */
  readonly keyFile: string;
}

const names = ['WEFT_TLS_CA_FILE', 'WEFT_TLS_CERT_FILE', 'WEFT_TLS_KEY_FILE'] as const;

/**
 * Reads WEFT_TLS_CA_FILE, WEFT_TLS_CERT_FILE and WEFT_TLS_KEY_FILE: all three turn mutual TLS
 * between services on, none leaves it off, and a partial set is a problem naming all three.
 */
export function readInternalTls(read: EnvReader): InternalTlsFiles | undefined {
  const [caFile, certFile, keyFile] = names.map((name) => read.string(name, ''));
  const set = [caFile, certFile, keyFile].filter(Boolean).length;
  if (set === 0) return undefined;
  if (set < 3) {
    read.problem(`${names.join(', ')} must be set together (mutual TLS between services)`);
    return undefined;
  }
  return { caFile: caFile!, certFile: certFile!, keyFile: keyFile! };
}
