import type { FlowRecord } from '../record.ts';

/** Headers every produced record carries so any consumer can recognise (and drop) replayed duplicates. */
export const LineageHeader = {
  /** This hop's source record. */
  Topic: 'sluice.source.topic',
  Partition: 'sluice.source.partition',
  Offset: 'sluice.source.offset',
  Flow: 'sluice.flow',
  /**
   * Every hop's source partition since the record entered Sluice, oldest first: `reviews.raw/2>reviews.clean/0`.
   * Records that took the same path arrive in the order of their origin offset, replays excepted.
   */
  Path: 'sluice.path',
  /** The offset of the record in the first topic of its path: the same in every copy a replay makes. */
  OriginOffset: 'sluice.origin.offset',
} as const;

const lineageKeys: ReadonlySet<string> = new Set(Object.values(LineageHeader));

export const isLineageHeader = (key: string): boolean => lineageKeys.has(key);

/** Where a record came from: the partitions it passed through (its own source last) and its first offset. */
export interface Lineage {
  readonly path: string;
  readonly originOffset: number;
}

/** The lineage a record carries into this hop; a record without any starts its path here. */
export const lineageOf = (record: FlowRecord): Lineage => {
  const hop = `${record.source.topic}/${record.source.partition}`;
  const path = record.headers[LineageHeader.Path];
  const origin = Number(record.headers[LineageHeader.OriginOffset]);
  return path !== undefined && Number.isSafeInteger(origin) && origin >= 0
    ? { path: `${path}>${hop}`, originOffset: origin }
    : { path: hop, originOffset: record.source.offset };
};

/** Adds this hop's lineage to `headers` (replacing any inherited from an earlier hop) and returns them. */
export const addLineage = (
  headers: Record<string, string | Buffer>,
  record: FlowRecord,
  flowName: string,
): Record<string, string | Buffer> => {
  const lineage = lineageOf(record);
  headers[LineageHeader.Topic] = record.source.topic;
  headers[LineageHeader.Partition] = String(record.source.partition);
  headers[LineageHeader.Offset] = String(record.source.offset);
  headers[LineageHeader.Flow] = flowName;
  headers[LineageHeader.Path] = lineage.path;
  headers[LineageHeader.OriginOffset] = String(lineage.originOffset);
  return headers;
};
