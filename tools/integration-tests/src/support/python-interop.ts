import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The one line CI runs to get an independent gRPC stack (Debian's grpcio, protoc and its grpc plugin). */
export const INTEROP_APT_LINE = 'apt-get update && apt-get install -y python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc';

/** Debian's Python: the `python3` on PATH may be a pyenv build that cannot see Debian's modules. */
export const PYTHON = '/usr/bin/python3';
const PROTOC = '/usr/bin/protoc';
const GRPC_PYTHON_PLUGIN = '/usr/bin/grpc_python_plugin';

/** The repository root (`proto/` and `tools/integration-tests/fixtures/` live under it). */
export const workspaceRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** A script in `tools/integration-tests/fixtures/interop/`. */
export function interopFixture(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/interop/${name}`, import.meta.url));
}

/**
 * Fails (never skips) when the Debian interop tools are missing, naming what is missing and the apt
 * line that installs it: a silently skipped interop test proves nothing.
 */
export async function requirePythonInterop(): Promise<void> {
  const missing: string[] = [];
  for (const path of [PYTHON, PROTOC, GRPC_PYTHON_PLUGIN]) {
    await access(path).catch(() => missing.push(path));
  }
  if (missing.length === 0) {
    await run(PYTHON, ['-c', 'import grpc, google.protobuf']).catch(() => missing.push(`${PYTHON} modules grpc / google.protobuf`));
  }
  if (missing.length > 0) throw new Error(`interop tools missing: ${missing.join(', ')}. Install them with: ${INTEROP_APT_LINE}`);
}

/** Generates Python message and gRPC stubs for `protos` (paths under `includeDir`) into `outDir`. */
export async function generatePythonStubs(outDir: string, protos: readonly string[], includeDir = 'proto'): Promise<void> {
  await run(PROTOC, ['-I', includeDir, `--python_out=${outDir}`, `--grpc_out=${outDir}`, `--plugin=protoc-gen-grpc=${GRPC_PYTHON_PLUGIN}`, ...protos], {
    cwd: workspaceRoot,
  });
}

/** Runs a fixture script with Debian's Python and parses the one JSON document it prints. */
export async function runPythonJson<T>(script: string, args: readonly string[], timeoutMs = 60_000): Promise<T> {
  try {
    const { stdout } = await run(PYTHON, [interopFixture(script), ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as T;
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    throw new Error(`${script} failed: ${e.message ?? String(err)}\n${e.stderr ?? ''}`);
  }
}

/** `host:port` of an http:// URL, the target form grpcio wants. */
export function grpcTarget(url: string): string {
  return new URL(url).host;
}
