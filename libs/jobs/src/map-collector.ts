import { UserCodeError } from '@weft/errors';
import { codecByName, partitionOf, RawRunWriter, RunWriter, type ValueCodec } from '@weft/records';
import type { JobDefinition, MapContext, SortedPart } from './definitions.js';
import { counterInto, messageOf, type TaskCounts } from './task-stats.js';

/** How a map task runs. */
export interface MapTaskOptions {
  /** Validated job parameters. */
  params: Record<string, unknown>;
  /** Number of reduce partitions (a positive integer). */
  partitions: number;
  /** Names the input in errors and in grep's keys, e.g. `/data/a.txt`. */
  inputLabel: string;
  /** Line number (0-based) of the first line in this task's input, for error locations. */
  firstLine: number;
  /**
   * Byte offset of the input within its file, when a split starts mid-file (its line numbers are
   * then relative to the split); error locations say `(from byte N)`. Never part of `inputLabel`,
   * which grep uses in its keys. Default 0.
   */
  inputOffset?: number;
  /** Skip (and count) lines whose map throws instead of failing the task. */
  skipBadRecords: boolean;
}

/** A map task's output: one sorted run per partition (runs may be empty) plus counts. */
export interface MapTaskOutput extends TaskCounts {
  /** Run `p` holds the records of partition `p`, encoded with the job's `values` codec. */
  partitions: Uint8Array[];
  /** Records in each partition's run. */
  partitionRecords: number[];
}

/**
 * The core of a map task, shared by worker threads and `runLocally`: feed it lines, then `finish()`
 * combines, partitions, sorts and encodes. Values with equal keys are folded with `job.combine`
 * as they arrive (so memory is one entry per distinct key); without a combiner every value is kept.
 * @internal
 */
export class MapCollector<V> {
  private readonly combined = new Map<string, V>();
  private readonly lists = new Map<string, V[]>();
  private readonly counters: Record<string, number> = {};
  private readonly ctx: MapContext;
  private readonly sink: (key: string, value: V) => void;
  private readonly emit: (key: string, value: V) => void;
  // Emits of the current line, committed only if its map returns (skipBadRecords must not keep half a record).
  private readonly stagedKeys: string[] = [];
  private readonly stagedValues: V[] = [];
  private lines = 0;
  private skipped = 0;

  constructor(
    private readonly job: JobDefinition<V, unknown>,
    private readonly options: MapTaskOptions,
  ) {
    this.ctx = { params: options.params, counter: counterInto(this.counters), inputLabel: options.inputLabel };
    const combined = this.combined;
    const lists = this.lists;
    this.sink = job.combine
      ? (key, value) => {
          const prev = combined.get(key);
          combined.set(key, prev === undefined ? value : job.combine!(prev, value));
        }
      : (key, value) => {
          const list = lists.get(key);
          if (list) list.push(value);
          else lists.set(key, [value]);
        };
    const stagedKeys = this.stagedKeys;
    const stagedValues = this.stagedValues;
    this.emit = options.skipBadRecords
      ? (key, value) => {
          stagedKeys.push(key);
          stagedValues.push(value);
        }
      : this.sink;
  }

  /** The context map functions of this task see. */
  get context(): MapContext {
    return this.ctx;
  }

  /** The input as error locations name it. */
  private location(): string {
    const offset = this.options.inputOffset ?? 0;
    return offset > 0 ? `${this.options.inputLabel} (from byte ${offset})` : this.options.inputLabel;
  }

  /**
   * Runs the job's map on one line (the `index`-th line of this task's input, 0-based).
   * @throws UserCodeError `${job} map failed: ...` at `${inputLabel} line ${firstLine + index}`,
   *   unless skipBadRecords is set, in which case the line is counted as skipped.
   */
  mapLine(line: string, index: number): void {
    this.lines++;
    try {
      if (this.job.stages?.length) this.runStages(line, 0);
      else this.job.map(line, this.emit, this.ctx);
      if (this.stagedKeys.length > 0) this.commitStaged();
    } catch (error) {
      if (this.options.skipBadRecords) {
        this.skipped++;
        this.stagedKeys.length = 0;
        this.stagedValues.length = 0;
        return;
      }
      throw new UserCodeError(`${this.job.name} map failed: ${messageOf(error)}`, `${this.location()} line ${this.options.firstLine + index}`);
    }
  }

  /** Passes `line` through stages[from..] and then to map, fanning out where a stage returns several lines. */
  private runStages(line: string, from: number): void {
    const stages = this.job.stages!;
    if (from === stages.length) {
      this.job.map(line, this.emit, this.ctx);
      return;
    }
    const out = stages[from]!(line, this.ctx);
    if (out === null || out === undefined) return;
    if (typeof out === 'string') this.runStages(out, from + 1);
    else for (const next of out) this.runStages(next, from + 1);
  }

  /**
   * Finishes a task whose whole input went through the job's `mapBytes`: like `addCombined` then
   * `finish`, without building the key map (keys are distinct, so each is partitioned, sorted and
   * written once). Same runs, byte for byte. Only for a fresh collector.
   */
  finishCombined(lines: number, keys: readonly string[], values: readonly V[]): MapTaskOutput {
    if (!keys.every((key) => key.isWellFormed())) {
      this.addCombined(lines, keys, values);
      return this.finish();
    }
    this.lines += lines;
    const { partitions } = this.options;
    const byPartition: number[][] = Array.from({ length: partitions }, () => []);
    if (partitions === 1) byPartition[0] = Array.from({ length: keys.length }, (_, i) => i);
    else for (let i = 0; i < keys.length; i++) byPartition[partitionOf(keys[i]!, partitions)]!.push(i);
    return this.encodeRuns(
      byPartition.map((order) => {
        // UTF-16 code unit order, the run order (keys are distinct, so never equal).
        order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
        return { count: order.length, write: (writer) => { for (const i of order) writer.add(keys[i]!, values[i]!); } };
      }),
    );
  }

  /**
   * Finishes a task whose whole input went through the job's `mapBytes.runSorted`: the records of
   * each partition are already distinct and in run order, so they are only encoded (string keys
   * through RunWriter, which still checks the order; UTF-8 keys copied as they are). Only for a
   * fresh collector.
   * @throws RangeError when there are not `options.partitions` parts; UserCodeError when a value
   *   does not fit the codec or string keys are out of order.
   */
  finishSorted(lines: number, partitions: readonly SortedPart<V>[]): MapTaskOutput {
    if (partitions.length !== this.options.partitions) {
      throw new RangeError(`${this.job.name} mapBytes.runSorted returned ${partitions.length} partitions, expected ${this.options.partitions}`);
    }
    this.lines += lines;
    return this.encodeRuns(
      partitions.map((part) => {
        const { values } = part;
        if ('keyBytes' in part) {
          const { bytes, starts, lengths } = part.keyBytes;
          return {
            count: starts.length,
            writeRaw: (writer: RawRunWriter<V>) => { for (let i = 0; i < starts.length; i++) writer.add(bytes, starts[i]!, starts[i]! + lengths[i]!, values[i]!); },
          };
        }
        const { keys } = part;
        return { count: keys.length, write: (writer: RunWriter<V>) => { for (let i = 0; i < keys.length; i++) writer.add(keys[i]!, values[i]!); } };
      }),
    );
  }

  /**
   * Takes a job's `mapBytes` result: `lines` input lines whose map emits folded into one value per
   * distinct key (keys must not have been seen by this collector before).
   */
  addCombined(lines: number, keys: readonly string[], values: readonly V[]): void {
    this.lines += lines;
    const sink = this.sink;
    for (let i = 0; i < keys.length; i++) sink(keys[i]!, values[i]!);
  }

  private commitStaged(): void {
    for (let i = 0; i < this.stagedKeys.length; i++) this.sink(this.stagedKeys[i]!, this.stagedValues[i]!);
    this.stagedKeys.length = 0;
    this.stagedValues.length = 0;
  }

  /**
   * Keys travel as UTF-8, where a lone surrogate (possible in inline JSON records, never in UTF-8
   * files) becomes U+FFFD. Sorting the original strings would then write an order that readers,
   * who see the replaced keys, find out of order. So ill-formed keys are replaced here, once per
   * distinct key, and keys that collapse into one are folded like any equal keys.
   */
  private makeKeysWellFormed(): void {
    const source: Map<string, unknown> = this.job.combine ? this.combined : this.lists;
    const bad = [...source.keys()].filter((key) => !key.isWellFormed());
    for (const key of bad) {
      const value = source.get(key);
      source.delete(key);
      const fixed = key.toWellFormed();
      const existing = source.get(fixed);
      if (this.job.combine) source.set(fixed, existing === undefined ? value : this.job.combine(existing as V, value as V));
      else source.set(fixed, existing === undefined ? value : [...(existing as V[]), ...(value as V[])]);
    }
  }

  /**
   * Partitions, sorts and encodes everything collected. `bytesIn` is left 0 for the caller to set.
   * @throws UserCodeError when combine throws or a value does not fit the job's `values` codec.
   */
  finish(): MapTaskOutput {
    this.makeKeysWellFormed();
    const { partitions } = this.options;
    const keysByPartition: string[][] = Array.from({ length: partitions }, () => []);
    const source: Map<string, unknown> = this.job.combine ? this.combined : this.lists;
    if (partitions === 1) keysByPartition[0] = [...source.keys()];
    else for (const key of source.keys()) keysByPartition[partitionOf(key, partitions)]!.push(key);

    return this.encodeRuns(
      keysByPartition.map((keys) => {
        keys.sort(); // default sort compares UTF-16 code units, the run order
        return {
          count: keys.length,
          write: (writer) => {
            if (this.job.combine) for (const key of keys) writer.add(key, this.combined.get(key)!);
            else for (const key of keys) for (const value of this.lists.get(key)!) writer.add(key, value);
          },
        };
      }),
    );
  }

  /**
   * Encodes each partition's records (already in run order) as one run with the job's `values`
   * codec, and counts what was written: `write` adds string keys to a RunWriter, `writeRaw` UTF-8
   * keys to a RawRunWriter.
   * @throws UserCodeError when a value does not fit the codec.
   */
  private encodeRuns(partitions: ({ count: number; write: (writer: RunWriter<V>) => void } | { count: number; writeRaw: (writer: RawRunWriter<V>) => void })[]): MapTaskOutput {
    const codec = codecByName(this.job.values) as ValueCodec<V>;
    const runs: Uint8Array[] = [];
    const partitionRecords: number[] = [];
    let recordsOut = 0;
    let bytesOut = 0;
    for (const partition of partitions) {
      const capacity = Math.min(1 << 20, 64 + partition.count * 16);
      let writer: RunWriter<V> | RawRunWriter<V>;
      try {
        writer = 'writeRaw' in partition ? filled(new RawRunWriter(codec, capacity), partition.writeRaw) : filled(new RunWriter(codec, capacity), partition.write);
      } catch (error) {
        throw new UserCodeError(`${this.job.name} map emitted an invalid value: ${messageOf(error)}`, this.location());
      }
      const run = writer.finish();
      runs.push(run);
      partitionRecords.push(writer.count);
      recordsOut += writer.count;
      bytesOut += run.length;
    }
    return {
      partitions: runs, partitionRecords, recordsIn: this.lines, bytesIn: 0, recordsOut, bytesOut,
      skippedRecords: this.skipped, userCounters: this.counters,
    };
  }
}

/** `writer` after `write` has added its records. */
function filled<W>(writer: W, write: (writer: W) => void): W {
  write(writer);
  return writer;
}
