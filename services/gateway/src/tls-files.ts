import { readFileSync } from 'node:fs';
import type * as tls from 'node:tls';
import { ConfigError } from '@weft/errors';
import { filesSignature } from '@weft/rpc';

/** Paths of the gateway's certificate and private key (PEM). */
export interface TlsFilePaths {
  /** Certificate chain, PEM (GATEWAY_TLS_CERT_FILE). */
  readonly certFile: string;
  /** Private key, PEM (GATEWAY_TLS_KEY_FILE). */
  readonly keyFile: string;
}

/**
 * The gateway's certificate and key, read from files and watched: when either file changes (a
 * cert-manager renewal swaps the Secret's files), `onChange` receives the new pair, so the server
 * serves it to new connections without a restart. A pair that cannot be read or loaded is logged
 * through `onError` and the previous one stays in use.
 */
export class TlsFiles {
  private signature: string;
  private readonly timer: NodeJS.Timeout;

  /** Reads the pair now. @throws ConfigError naming the file that cannot be read. */
  constructor(
    private readonly paths: TlsFilePaths,
    private readonly onChange: (context: tls.SecureContextOptions) => void,
    private readonly onError: (error: unknown) => void,
    pollMs = 1000,
  ) {
    this.signature = this.currentSignature();
    this.timer = setInterval(() => this.check(), pollMs);
    this.timer.unref();
  }

  /** The certificate and key as they are now. @throws ConfigError naming the file that cannot be read. */
  read(): tls.SecureContextOptions {
    const load = (name: string, file: string): Buffer => {
      try {
        return readFileSync(file);
      } catch (error) {
        throw new ConfigError([`${name} ${file} cannot be read: ${(error as Error).message}`]);
      }
    };
    return { cert: load('GATEWAY_TLS_CERT_FILE', this.paths.certFile), key: load('GATEWAY_TLS_KEY_FILE', this.paths.keyFile) };
  }

  /** Stops watching. */
  close(): void {
    clearInterval(this.timer);
  }

  private currentSignature(): string {
    return filesSignature([this.paths.certFile, this.paths.keyFile]);
  }

  private check(): void {
    const signature = this.currentSignature();
    if (signature === this.signature) return;
    this.signature = signature;
    try {
      this.onChange(this.read());
    } catch (error) {
      this.onError(error);
    }
  }
}
