import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { JobService, HealthCheckResponse_ServingStatus, Health } from '@weft/proto';
import { createLogger } from '@weft/telemetry';
import { loadConfig } from './config.js';
import { startGateway } from './gateway.js';

/** A self-signed certificate for 127.0.0.1 with common name `cn`, written to `<dir>/<name>.{crt,key}`. */
function certificate(dir: string, name: string, cn: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

function peerCommonName(port: number, ca: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2'] }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.end();
      resolve(String(cn));
    });
    socket.on('error', reject);
  });
}

function httpsStatus(url: string, ca: Buffer | string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end('{}');
  });
}

describe('gateway with TLS (GATEWAY_TLS_CERT_FILE, GATEWAY_TLS_KEY_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-gateway-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves gRPC over h2 and Connect over HTTP/1.1 with TLS, and picks up a renewed certificate without a restart', async () => {
    const first = certificate(dir, 'first', 'weft-first');
    const second = certificate(dir, 'second', 'weft-second');
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    writeFileSync(certFile, readFileSync(first.cert));
    writeFileSync(keyFile, readFileSync(first.key));
    const config = loadConfig({ COORDINATOR_URL: 'http://127.0.0.1:9', GATEWAY_PORT: '0', GATEWAY_DEV_MODE: 'true', GATEWAY_TLS_CERT_FILE: certFile, GATEWAY_TLS_KEY_FILE: keyFile });
    const gateway = await startGateway(config, createLogger({ service: 'gateway', level: 'silent' }));
    try {
      expect(gateway.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(gateway.address).port);
      const health = createClient(Health, createGrpcTransport({ baseUrl: gateway.address, nodeOptions: { ca: readFileSync(first.cert) } }));
      expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      expect(await httpsStatus(`${gateway.address}/grpc.health.v1.Health/Check`, readFileSync(first.cert))).toBe(200);
      expect(await peerCommonName(port, readFileSync(first.cert))).toBe('weft-first');

      // A renewal replaces both files (a Secret volume swaps them atomically; rename does the same here).
      writeFileSync(join(dir, 'next.key'), readFileSync(second.key));
      writeFileSync(join(dir, 'next.crt'), readFileSync(second.cert));
      renameSync(join(dir, 'next.key'), keyFile);
      renameSync(join(dir, 'next.crt'), certFile);
      const deadline = Date.now() + 5_000;
      let cn = '';
      while (Date.now() < deadline && cn !== 'weft-second') {
        cn = await peerCommonName(port, readFileSync(second.cert)).catch(() => '');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(cn).toBe('weft-second');
    } finally {
      await gateway.stop();
    }
  });

  it('answers health, and nothing else, in cleartext on GATEWAY_HEALTH_PORT (for kubelet probes)', async () => {
    // A free port: bind 0, read it, release it (the gateway binds it right after).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const healthPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const config = loadConfig({ COORDINATOR_URL: 'http://127.0.0.1:9', GATEWAY_PORT: '0', GATEWAY_DEV_MODE: 'true', GATEWAY_HEALTH_PORT: String(healthPort) });
    const gateway = await startGateway(config, createLogger({ service: 'gateway', level: 'silent' }));
    try {
      const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${healthPort}` });
      expect((await createClient(Health, transport).check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      await expect(createClient(JobService, transport).listJobs({})).rejects.toThrow(/unimplemented/i);
    } finally {
      await gateway.stop();
    }
  });

  it('refuses a half-configured TLS pair', () => {
    expect(() => loadConfig({ COORDINATOR_URL: 'http://127.0.0.1:9', GATEWAY_DEV_MODE: 'true', GATEWAY_TLS_CERT_FILE: '/x.crt' })).toThrow(
      'GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE must be set together',
    );
  });
});
