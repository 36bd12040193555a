import { statSync, type Stats } from 'node:fs';

/**
 * What identifies one version of a file for the watchers that reload certificates and token files:
 * size, modification time and inode (a rename-into-place swap, as Kubernetes does for Secret
 * volumes, changes the inode even when size and mtime happen to match).
 */
export function statSignature(info: Pick<Stats, 'size' | 'mtimeMs' | 'ino'>): string {
  return `${info.size}:${info.mtimeMs}:${info.ino}`;
}

/** The signatures of several files joined in order; a file that cannot be stat'ed counts as `missing`. */
export function filesSignature(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        return statSignature(statSync(file));
      } catch {
        return 'missing';
      }
    })
    .join('|');
}
