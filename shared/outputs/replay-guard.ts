import type { FlowRecord, SourceRecord } from '../record.ts';
import { type LineageTrust, lineageOf } from './lineage.ts';
import {
  encodedHeaderBytes,
  MAX_REMEMBERED_ORIGIN,
  type ReplayMarks,
  varintBytes,
  type WrittenRecord,
} from './replay-marks-codec.ts';

export type { ReplayMarks } from './replay-marks-codec.ts';

/**
 * Kafka outputs are at-least-once: a flow that produced and then failed before its offsets were committed
 * produces the same records again at new offsets. Every copy keeps the original's lineage path and origin offset
 * (lineage.ts) and, the pipeline being deterministic, its key and value bytes. A sink partition remembers the
 * records it wrote last, exactly — (path, origin offset, digest of key and value) — and drops a record only when
 * that same record is among them. Anything else is written: a record that merely looks older than what its path
 * has seen (test events, a sample invoke or a recreated topic running ahead of the real offsets) is never taken
 * for a copy, and a copy that arrives after the window has moved on is written again (at least once, counted as
 * `unsure`). Replays that matter (an upstream batch produced again after a failed commit) arrive within a few
 * upstream batches.
 */
export interface ReplayWindow {
  /**
   * Written records remembered per sink partition.
   * @default 2048
   */
  readonly records: number;
  /**
   * Encoded size cap of one partition's marks (bytes): oldest records are forgotten first to stay under it.
   * @default 20480
   */
  readonly bytes: number;
}

/**
 * A window of `records`, its bytes capped at 10 a record (real paths take ~6; forged long ones are shed), and
 * never below 4 KiB, so a few records with the longest accepted paths still fit.
 */
export const replayWindowOf = (records: number): ReplayWindow => ({
  records,
  bytes: Math.max(records * 10, 4096),
});

export const defaultReplayWindow: ReplayWindow = replayWindowOf(2048);

export interface ReplayFilterResult {
  readonly kept: FlowRecord[];
  /** Copies of records already written, left out. */
  readonly replayed: number;
  /** Kept although their path had already passed their origin offset (see ReplayWindow). */
  readonly unsure: number;
  /** The marks after `kept` is written, within the window: pass them to the store once the write succeeded. */
  readonly marks: ReplayMarks;
  /**
   * The marks when the output wrote `kept` except these records (it dead-lettered them): a record never written
   * must not be taken for written, or its redrive would be dropped as a copy.
   */
  marksWithout(notWritten: ReadonlySet<SourceRecord>): ReplayMarks;
}

const FNV_PRIME = 0x01000193;

/** FNV-1a of a length (so key and value cannot trade bytes; 0xffffffff for null) and then of the bytes. */
const fnv = (h: number, bytes: Buffer | null): number => {
  const length = bytes === null ? 0xffffffff : bytes.length;
  let x = Math.imul(h ^ (length & 0xff), FNV_PRIME);
  x = Math.imul(x ^ ((length >>> 8) & 0xff), FNV_PRIME);
  x = Math.imul(x ^ ((length >>> 16) & 0xff), FNV_PRIME);
  x = Math.imul(x ^ (length >>> 24), FNV_PRIME);
  if (bytes !== null)
    for (let i = 0; i < bytes.length; i++) x = Math.imul(x ^ (bytes[i] as number), FNV_PRIME);
  return x;
};

/** 32-bit digest of a record's key and value bytes as received: a copy made by a replay has the same. */
export const recordDigest = (source: SourceRecord): number =>
  fnv(fnv(0x811c9dc5, source.key), source.value) >>> 0;

interface PathSeen {
  /** `origin/digest` of every remembered record of the path. */
  readonly records: Set<string>;
  highest: number;
}

/** Drops the records of one source partition that are copies of records already written; records in source order. */
export const dropReplays = (
  records: readonly FlowRecord[],
  marks: ReplayMarks,
  options: { readonly trusted: LineageTrust; readonly window?: ReplayWindow },
): ReplayFilterResult => {
  const seen = new Map<string, PathSeen>();
  const remember = ({ path, origin, digest }: WrittenRecord): void => {
    const known = seen.get(path);
    if (known === undefined) seen.set(path, { records: new Set([`${origin}/${digest}`]), highest: origin });
    else {
      known.records.add(`${origin}/${digest}`);
      if (origin > known.highest) known.highest = origin;
    }
  };
  for (const mark of marks) remember(mark);

  const written: WrittenRecord[] = [];
  /** The source of each entry of `written`. */
  const writtenFrom: SourceRecord[] = [];
  const kept: FlowRecord[] = [];
  let replayed = 0;
  let unsure = 0;
  for (const record of records) {
    const { path, originOffset: origin } = lineageOf(record, options.trusted);
    const digest = recordDigest(record.source);
    const known = seen.get(path);
    if (known?.records.has(`${origin}/${digest}`)) {
      replayed++;
      continue;
    }
    if (known !== undefined && origin <= known.highest) unsure++;
    kept.push(record);
    if (origin > MAX_REMEMBERED_ORIGIN) continue;
    const mark = { path, origin, digest };
    remember(mark);
    written.push(mark);
    writtenFrom.push(record.source);
  }
  const window = options.window ?? defaultReplayWindow;
  return {
    kept,
    replayed,
    unsure,
    marks: withinWindow(marks, written, window),
    marksWithout: (notWritten) =>
      withinWindow(
        marks,
        written.filter((_, i) => !notWritten.has(writtenFrom[i] as SourceRecord)),
        window,
      ),
  };
};

/**
 * The most recent `window.records` marks, fewer when their encoding would pass `window.bytes`: walks back from
 * the newest and sums what each mark adds to the encoding (its path the first time, its delta, its digest).
 */
const withinWindow = (
  before: ReplayMarks,
  written: readonly WrittenRecord[],
  window: ReplayWindow,
): ReplayMarks => {
  const all = before.length === 0 ? written : [...before, ...written];
  const oldest = Math.max(0, all.length - window.records);
  // The earliest origin taken so far on each path: it is encoded whole, the later ones as deltas.
  const earliest = new Map<string, number>();
  let bytes = encodedHeaderBytes;
  let start = all.length;
  for (let i = all.length - 1; i >= oldest; i--) {
    const { path, origin } = all[i] as WrittenRecord;
    const later = earliest.get(path);
    let cost = 4 + varintBytes(earliest.size) + varintBytes(2 * origin);
    if (later === undefined) cost += varintBytes(Buffer.byteLength(path)) + Buffer.byteLength(path);
    else cost += varintBytes(2 * Math.abs(later - origin) + 1) - varintBytes(2 * later);
    if (bytes + cost > window.bytes) break;
    bytes += cost;
    earliest.set(path, origin);
    start = i;
  }
  return start === 0 ? all : all.slice(start);
};

/** Where a sink keeps its marks, one document per source partition (`topic-partition`). */
export interface ReplayMarkStore {
  read(partition: string): Promise<ReplayMarks>;
  write(partition: string, marks: ReplayMarks): Promise<void>;
}
