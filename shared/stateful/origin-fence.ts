import { Stage } from '../errors.ts';
import { inboundLineage } from '../outputs/lineage.ts';
import type { DeadLetter } from '../outputs/output.ts';
import type { FlowRecord } from '../record.ts';

/**
 * Where a record first entered Sluice, as its trusted lineage says: the path of partitions it took to reach this
 * topic (`reviews.raw/2>reviews.clean/0>reviews.enriched/1`) and its offset in the first. Every copy an upstream
 * replay makes has the same origin at a new offset here.
 */
export interface Origin {
  readonly path: string;
  readonly offset: number;
}

/** The state item attribute that holds a window's origin fence: path → highest origin offset applied. */
export const ORIGINS_ATTRIBUTE = 'origins';

/** A record's origin when its lineage is trusted (the source topic is internal) and well formed; else none. */
export const originOf = (record: FlowRecord, trusted: boolean | undefined): Origin | undefined => {
  if (!trusted) return undefined;
  const lineage = inboundLineage(record);
  return lineage && { path: lineage.path, offset: lineage.originOffset };
};

/**
 * One window's fence by origin: per lineage path, the highest origin offset applied. Records that took one path
 * arrive in origin-offset order (each hop keeps per-partition order), so a record at or below its path's mark is
 * a copy of one already counted, whatever offset it has here. One mark per path, not one per record: the item
 * grows with the paths feeding the window (at most the product of the partition counts along them), never with
 * its records. A record without an origin is always admitted (the per-partition offset fence still applies).
 */
export class OriginFence {
  readonly #marks: Record<string, number>;

  private constructor(marks: Record<string, number>) {
    this.#marks = marks;
  }

  /** The fence a window item holds (none yet: empty). */
  static of(item: Record<string, unknown> | undefined): OriginFence {
    const stored = item?.[ORIGINS_ATTRIBUTE];
    const marks: Record<string, number> = Object.create(null);
    if (typeof stored === 'object' && stored !== null)
      for (const [path, offset] of Object.entries(stored))
        if (typeof offset === 'number') marks[path] = offset;
    return new OriginFence(marks);
  }

  /** False for a copy: a record whose path has already applied its origin offset or a later one. */
  admits(origin: Origin | undefined): boolean {
    if (origin === undefined) return true;
    const mark = this.#marks[origin.path];
    return mark === undefined || origin.offset > mark;
  }

  /** Records an applied record's origin. */
  add(origin: Origin | undefined): void {
    if (origin === undefined) return;
    const mark = this.#marks[origin.path];
    if (mark === undefined || origin.offset > mark) this.#marks[origin.path] = origin.offset;
  }

  /** The attribute to store with the window (undefined when no record had an origin). */
  attribute(): Record<string, number> | undefined {
    return Object.keys(this.#marks).length > 0 ? { ...this.#marks } : undefined;
  }
}

/** The keys of a window item, and how to read several (consistent reads of the state table). */
export interface WindowKey {
  readonly pk: string;
  readonly sk: string;
}

/**
 * Splits the batch's `late` dead letters into records really late and copies of records already counted: a
 * copy an upstream replay made reaches this step at a new offset after its window closed, and is no lateness
 * of its own. A late record is a copy when one of its windows' items (still kept: they expire `retention` after
 * end + grace) has applied its origin. One consistent read of those windows, only when a batch has late records
 * with an origin. Other dead letters pass through unchanged.
 */
export const separateLateCopies = async (
  deadLetters: readonly DeadLetter[],
  trusted: boolean | undefined,
  windowsOf: (record: FlowRecord) => readonly WindowKey[],
  read: (keys: readonly WindowKey[]) => Promise<Map<string, Record<string, unknown>>>,
): Promise<{ deadLetters: DeadLetter[]; copies: number }> => {
  const late = deadLetters.filter((d) => d.stage === Stage.Late && originOf(d.record, trusted) !== undefined);
  if (late.length === 0) return { deadLetters: [...deadLetters], copies: 0 };
  const keysOf = new Map(late.map((d) => [d, windowsOf(d.record)]));
  const distinct = new Map<string, WindowKey>();
  for (const keys of keysOf.values()) for (const k of keys) distinct.set(`${k.pk}\u0000${k.sk}`, k);
  const items = await read([...distinct.values()]);
  const copies = new Set<DeadLetter>();
  for (const [d, keys] of keysOf) {
    const origin = originOf(d.record, trusted);
    if (keys.some((k) => !OriginFence.of(items.get(`${k.pk}\u0000${k.sk}`)).admits(origin))) copies.add(d);
  }
  return { deadLetters: deadLetters.filter((d) => !copies.has(d)), copies: copies.size };
};
