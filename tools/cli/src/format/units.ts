import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { timestampMs as wktTimestampMs } from '@bufbuild/protobuf/wkt';

/** Milliseconds since the epoch of a proto timestamp, or undefined when it is unset. */
export function timestampMs(ts: Timestamp | undefined): number | undefined {
  return ts ? wktTimestampMs(ts) : undefined;
}

/** "850ms", "3.2s", "4m05s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** "512 B", "1.5 MB" (decimal units, as throughput is quoted in MB/s). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** "1,234,567" records per second, rounded. */
export function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}
