import { Code, ConnectError } from '@connectrpc/connect';
import { timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { BreakerState, JobState, NodeRole, NodeState, type Value } from '@weft/proto';

/** A failed call as the dashboard shows it: the Connect code's name and number, and the server's message. */
export interface CallFailure {
  /** e.g. "PERMISSION_DENIED". */
  readonly code: string;
  /** The numeric Connect/gRPC code, e.g. 7. */
  readonly codeNumber: number;
  /** The message without Connect's "[code]" prefix. */
  readonly message: string;
}

/** Describes any error thrown by a call (non-Connect errors count as UNKNOWN, as Connect itself does). */
export function describeCallFailure(error: unknown): CallFailure {
  const err = ConnectError.from(error);
  return { code: codeName(err.code), codeNumber: err.code, message: err.rawMessage };
}

/** "PermissionDenied" -> "PERMISSION_DENIED": the gRPC spelling users search for. */
export function codeName(code: Code): string {
  const name = Code[code] as string | undefined;
  return name === undefined ? `CODE_${code}` : name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The name of an enum value without its prefix, e.g. JobState.SUCCEEDED -> "SUCCEEDED"; numbers it does not know as is. */
function enumName(names: Record<number, string>, value: number): string {
  return names[value] ?? String(value);
}

/** "SUCCEEDED", "RUNNING", ... */
export const jobStateName = (state: JobState): string => enumName(JobState, state);
/** "MAPPER", "REDUCER", ... */
export const nodeRoleName = (role: NodeRole): string => enumName(NodeRole, role);
/** "ALIVE", "SUSPECT", ... */
export const nodeStateName = (state: NodeState): string => enumName(NodeState, state);
/** "CLOSED", "OPEN", "HALF_OPEN"; "—" for nodes without a breaker. */
export const breakerStateName = (state: BreakerState): string => (state === BreakerState.UNSPECIFIED ? '—' : enumName(BreakerState, state));

/** A duration in milliseconds for people: "850 ms", "12.3 s", "2 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const s = Math.floor(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3_600)} h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')} min`;
}

/** A count with thousands separators: 1234567n -> "1,234,567". */
export function formatCount(n: number | bigint): string {
  return n.toLocaleString('en-US');
}

const byteUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units: 1536 -> "1.5 KiB", 0 -> "0 B". */
export function formatBytes(n: number | bigint): string {
  let value = Number(n);
  let unit = 0;
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${byteUnits[unit]}`;
}

/** Milliseconds since the epoch of an optional timestamp. */
export function msOf(ts: Timestamp | undefined): number | undefined {
  return ts === undefined ? undefined : timestampMs(ts);
}

/** A timestamp as local wall-clock time, "—" when unset. */
export function formatTime(ts: Timestamp | undefined): string {
  const ms = msOf(ts);
  return ms === undefined ? '—' : new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

/** How long ago `ts` was, relative to `nowMs`: "3.2 s ago". */
export function formatAge(ts: Timestamp | undefined, nowMs: number): string {
  const ms = msOf(ts);
  return ms === undefined ? '—' : `${formatDuration(Math.max(0, nowMs - ms))} ago`;
}

/** A result value as text: an integer exactly (no separators, no rounding), anything else as its JSON. */
export function resultValueText(value: Value | undefined): string {
  const kind = value?.kind;
  if (kind === undefined || kind.case === undefined) return '';
  return kind.case === 'int' ? kind.value.toString() : kind.value;
}
