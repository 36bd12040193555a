import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The three files a service reads for mutual TLS, as the WEFT_TLS_* variables name them. */
export interface NodeCertificate {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** WEFT_TLS_CA_FILE, WEFT_TLS_CERT_FILE and WEFT_TLS_KEY_FILE for a process's environment. */
  readonly env: Record<string, string>;
}

/**
 * A throwaway cluster CA in a temp dir, made with the `openssl` command (P-256 keys, valid 2 days),
 * issuing certificates for loopback (`IP:127.0.0.1`, `DNS:localhost`) usable as server and client.
 */
export class TestCertificates {
  readonly dir = mkdtempSync(join(tmpdir(), 'weft-certs-'));
  readonly caFile = join(this.dir, 'ca.crt');
  private readonly caKey = join(this.dir, 'ca.key');
  private readonly extFile = join(this.dir, 'node.ext');

  constructor() {
    writeFileSync(this.extFile, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', this.caKey, '-out', this.caFile, '-subj', '/CN=weft-test-ca', '-days', '2']);
  }

  /** A certificate for `name` signed by this CA. */
  issue(name: string): NodeCertificate {
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.crt`);
    const csr = join(this.dir, `${name}.csr`);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.caFile, '-CAkey', this.caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', this.extFile]);
    return certificate(this.caFile, certFile, keyFile);
  }

  /** A self-signed certificate for `name` (NOT signed by this CA), trusting only itself. */
  selfSigned(name: string): NodeCertificate {
    const keyFile = join(this.dir, `${name}-self.key`);
    const certFile = join(this.dir, `${name}-self.crt`);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${name}`, '-days', '2',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'extendedKeyUsage=serverAuth,clientAuth']);
    return certificate(certFile, certFile, keyFile);
  }

  /** Removes the directory. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function certificate(caFile: string, certFile: string, keyFile: string): NodeCertificate {
  return { caFile, certFile, keyFile, env: { WEFT_TLS_CA_FILE: caFile, WEFT_TLS_CERT_FILE: certFile, WEFT_TLS_KEY_FILE: keyFile } };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
