import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The machine a report was measured on. */
export interface MachineDescription {
  platform: string;
  release: string;
  arch: string;
  cpuModel: string;
  /** Logical CPUs the OS reports. */
  cpus: number;
  /** CPUs this process may use (cgroup/affinity aware). */
  availableParallelism: number;
  totalMemoryMb: number;
  /** 1-minute load average when the run started: on a shared machine, context for noisy numbers. */
  loadAverage1m: number;
  node: string;
  /** `python3 --version`, or null when python3 is missing. */
  python: string | null;
}

/** Describes this machine from `node:os` (and `python3 --version`). */
export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
    node: process.version,
    python: pythonVersion(),
  };
}

function pythonVersion(): string | null {
  try {
    return execFileSync('python3', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
}

/** One line for the Markdown report. */
export function formatMachine(machine: MachineDescription): string {
  return (
    `${machine.platform} ${machine.release} ${machine.arch}, ${machine.cpus} x ${machine.cpuModel} ` +
    `(${machine.availableParallelism} usable), ${(machine.totalMemoryMb / 1024).toFixed(1)} GB RAM, ` +
    `load ${machine.loadAverage1m} at start, Node ${machine.node}${machine.python ? `, ${machine.python}` : ''}`
  );
}
