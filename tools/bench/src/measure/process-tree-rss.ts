import { readFileSync, readdirSync } from 'node:fs';

/**
 * Resident memory of a process and all its descendants, in bytes, read from Linux's /proc (VmRSS of
 * each process, found through every thread's `children` list). Returns undefined when /proc is not
 * available (not Linux) or the root process is gone.
 *
 * A process's own `maxRSS` misses its children: the lesson's Python baseline does its work in a
 * multiprocessing.Pool, and a Weft cluster is several processes, so peak memory must be summed over
 * the tree.
 */
export function processTreeRssBytes(rootPid: number): number | undefined {
  const rootRss = rssBytes(rootPid);
  if (rootRss === undefined) return undefined;
  let total = rootRss;
  const seen = new Set([rootPid]);
  const pending = childrenOf(rootPid);
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += rssBytes(pid) ?? 0;
    pending.push(...childrenOf(pid));
  }
  return total;
}

// Processes can exit between listing and reading: every read below tolerates a vanished pid.
function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim();
      if (text) for (const child of text.split(/\s+/)) children.push(Number(child));
    }
  } catch {
    // gone, or a kernel without CONFIG_PROC_CHILDREN: count what we found
  }
  return children;
}
