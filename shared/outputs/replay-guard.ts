import type { FlowRecord } from '../record.ts';
import { lineageOf } from './lineage.ts';

/**
 * Highest origin offset already written, per lineage path, for one source partition of a sink. Kafka outputs
 * are at-least-once: a flow that produced and then failed before its offsets were committed produces the same
 * records again at new offsets. Every copy keeps the original's path and origin offset, and records that share
 * a path arrive in origin order (each hop keeps source order per partition), so a sink that remembers how far
 * each path has got can tell a replayed copy (origin offset at or below the mark) from a new record.
 */
export type ReplayMarks = Readonly<Record<string, number>>;

export interface ReplayFilterResult {
  readonly kept: FlowRecord[];
  readonly replayed: number;
  /** The marks after `kept` is written: pass them to the store once the write has succeeded. */
  readonly marks: Record<string, number>;
}

/** Drops records whose origin offset its path has already reached; records go in source order. */
export const dropReplays = (records: readonly FlowRecord[], marks: ReplayMarks): ReplayFilterResult => {
  const next: Record<string, number> = { ...marks };
  const kept: FlowRecord[] = [];
  let replayed = 0;
  for (const record of records) {
    const { path, originOffset } = lineageOf(record);
    const mark = next[path];
    if (mark !== undefined && originOffset <= mark) {
      replayed++;
      continue;
    }
    next[path] = originOffset;
    kept.push(record);
  }
  return { kept, replayed, marks: next };
};

/** Where a sink keeps its marks, one document per source partition (`topic-partition`). */
export interface ReplayMarkStore {
  read(partition: string): Promise<ReplayMarks>;
  write(partition: string, marks: ReplayMarks): Promise<void>;
}
