import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * A token that tells this process apart from an earlier process that had the same pid: on Linux
 * its start time (clock ticks since boot, field 22 of `/proc/<pid>/stat`), else undefined.
 * @internal
 */
export function processStartToken(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[22 - 3];
    return start && /^\d+$/.test(start) ? Number(start).toString(36) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (signal 0: EPERM means it exists but is not ours). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// This process's token, fixed at first use: its start time on Linux, else random.
let ownToken: string | undefined;
function tokenOfThisProcess(): string {
  return (ownToken ??= processStartToken(process.pid) ?? randomBytes(6).toString('hex').replace(/^\d/, 'r'));
}

/** How {@link sweepStaleSpillDirs} decides whether a process still owns a dir (injectable for tests). */
export interface ProcessProbe {
  /** This process's pid and token. */
  readonly self: { pid: number; token: string };
  isAlive(pid: number): boolean;
  /** The token of the live process `pid`, or undefined when it cannot be known. */
  tokenOf(pid: number): string | undefined;
}

const defaultProbe = (): ProcessProbe => ({ self: { pid: process.pid, token: tokenOfThisProcess() }, isAlive, tokenOf: processStartToken });

/**
 * The default spill dir of a worker: `<parent>/weft-<role>-<nodeId>-<pid>-t<token>`, where the
 * token is the process's start time (Linux) or random, so a later process that happens to get the
 * same pid (common in containers) can tell the dir is not its own.
 */
export function spillDirName(role: string, nodeId: string, probe: ProcessProbe = defaultProbe()): string {
  return `weft-${role}-${nodeId || 'node'}-${probe.self.pid}-t${probe.self.token}`;
}

/**
 * Removes the spill dirs in `parent` that processes of `role` left behind when they died without
 * cleaning up (SIGKILL, OOM kill): a dir named by {@link spillDirName} (or the older
 * `weft-<role>-<node>-<pid>` form) is removed when its pid is not alive, when its pid is this
 * process's but the token is not (an earlier process with the same pid), or when its pid is alive
 * but that process's token differs (the pid was reused). A dir of a live process with a matching
 * or unknowable token is never touched, nor are dirs of other roles. Returns the removed paths.
 */
export function sweepStaleSpillDirs(parent: string, role: string, probe: ProcessProbe = defaultProbe()): string[] {
  const pattern = new RegExp(`^weft-${role.replace(/[^a-z0-9]/gi, '')}-.+-(\\d+)(?:-t([0-9a-z]+))?$`);
  let names: string[];
  try {
    names = readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    const token = match[2];
    let stale: boolean;
    if (pid === probe.self.pid) stale = token !== probe.self.token;
    else if (!probe.isAlive(pid)) stale = true;
    else {
      const live = probe.tokenOf(pid);
      stale = token !== undefined && live !== undefined && live !== token;
    }
    if (!stale) continue;
    const dir = path.join(parent, name);
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
