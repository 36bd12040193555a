import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dockerfilePath, execForm, lastInstruction, parseDockerfile, readDockerfile } from './dockerfile.js';
import { overlays, repoRoot } from './paths.js';
import { renderOverlay } from './render.js';
import { undeclaredRuntimeImports } from './runtime-deps.js';
import { componentOf, weftWorkloads } from './workloads.js';

const dockerfile = readDockerfile();
const runtime = dockerfile.stages.at(-1)!;

describe('Dockerfile', () => {
  it('builds every stage from a Node 24 slim image', () => {
    expect(dockerfile.stages.map((s) => s.from).filter((from) => !/^node:24(\.[\d.]+)?(-[a-z]+)?-slim$/.test(from))).toEqual([]);
  });

  it('runs as a numeric non-root user, so runAsNonRoot can verify it', () => {
    expect(lastInstruction(runtime, 'USER')).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it('ships production dependencies only and the output of the same build the tests check', () => {
    const runs = dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args));
    expect(runs.some((r) => r.includes('npm run build'))).toBe(true);
    expect(runs.some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    // The runtime stage copies from earlier stages only: nothing from the host skips the build.
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.filter((c) => !c.args.includes('--from='))).toEqual([]);
  });

  it('keeps installed and built output of the host out of the build context', () => {
    const ignore = readFileSync(`${dockerfilePath}.dockerignore`, 'utf8').split('\n').map((l) => l.trim());
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });

  it.each(['gateway', 'coordinator', 'mapper', 'reducer'])('has every package %s needs at run time among production dependencies', (service) => {
    expect(undeclaredRuntimeImports(`@weft/${service}`)).toEqual([]);
  });

  it('refuses a shell-form entry point, which would swallow SIGTERM', () => {
    const stage = parseDockerfile('FROM node:24-slim\nCMD node main.js\n').stages[0]!;
    expect(() => execForm(lastInstruction(stage, 'CMD'), 'CMD')).toThrow('CMD must use the exec form');
  });
});

describe.each(overlays)('overlay %s image and command', (overlay) => {
  it('runs, in every Weft container, the entry point of its own service that the build produced', async () => {
    const workdir = lastInstruction(runtime, 'WORKDIR');
    const entrypoint = execForm(lastInstruction(runtime, 'ENTRYPOINT'), 'ENTRYPOINT');
    const cmd = execForm(lastInstruction(runtime, 'CMD'), 'CMD');
    const uid = Number(lastInstruction(runtime, 'USER')!.split(':')[0]);
    const problems: string[] = [];
    for (const workload of weftWorkloads(await renderOverlay(overlay))) {
      const component = componentOf(workload);
      for (const c of workload.spec.containers) {
        // Kubernetes semantics: `command` replaces ENTRYPOINT (and drops CMD), `args` replaces CMD.
        const argv = c.command ? [...c.command, ...(c.args ?? [])] : [...entrypoint, ...(c.args ?? cmd)];
        const script = argv[1] ?? '';
        const where = `Deployment/${workload.name} container ${c.name}`;
        if (!c.image?.startsWith('weft:') || c.image.endsWith(':latest')) problems.push(`${where}: image ${c.image} is not a pinned weft tag`);
        if ((c.workingDir ?? workdir) !== '/app') problems.push(`${where}: runs in ${c.workingDir ?? workdir}, not /app`);
        if (argv[0] !== 'node') problems.push(`${where}: runs ${argv[0]}, not node`);
        if (script !== `services/${component}/dist/main.js`) problems.push(`${where}: runs ${script}, not the ${component} entry point`);
        else if (!existsSync(path.join(repoRoot, script))) problems.push(`${where}: ${script} is not in the build output (npm run build)`);
        const runAs = c.securityContext?.runAsUser ?? workload.spec.securityContext?.runAsUser;
        if (runAs !== uid) problems.push(`${where}: runs as uid ${runAs}, the image's user is ${uid}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
