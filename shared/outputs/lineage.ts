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

/**
 * The longest inbound lineage accepted: a longer path is treated as forged (the record starts its path at this
 * hop). 16 hops of topic names up to ~60 characters; what a sink remembers per path is bounded by these.
 */
export const LineageLimit = { hops: 16, pathBytes: 1024 } as const;

const lineageKeys: ReadonlySet<string> = new Set(Object.values(LineageHeader));

export const isLineageHeader = (key: string): boolean => lineageKeys.has(key);

/** Where a record came from: the partitions it passed through (its own source last) and its first offset. */
export interface Lineage {
  readonly path: string;
  readonly originOffset: number;
}

/**
 * Whether inbound lineage headers are believed: only on a topic that flows of the topology write (declared
 * `internal`). On an ingress topic any producer could have set them, so the path starts at this hop.
 */
export type LineageTrust = boolean;

// One hop is `<topic>/<partition>` (topic names as Kafka allows them); hops are joined by `>`. The character
// classes exclude both separators, so matching is linear in the path's length.
const hop = /^[a-zA-Z0-9._-]{1,249}\/\d{1,10}$/;
const originDigits = /^\d{1,16}$/;

/** The inbound lineage a record carries, if it is well formed and within LineageLimit; undefined otherwise. */
export const inboundLineage = (record: FlowRecord): Lineage | undefined => {
  const path = record.headers[LineageHeader.Path];
  const origin = record.headers[LineageHeader.OriginOffset];
  if (path === undefined || origin === undefined) return undefined;
  if (path.length > LineageLimit.pathBytes || !originDigits.test(origin)) return undefined;
  const hops = path.split('>');
  if (hops.length > LineageLimit.hops) return undefined;
  for (const h of hops) if (!hop.test(h)) return undefined;
  const originOffset = Number(origin);
  return Number.isSafeInteger(originOffset) ? { path, originOffset } : undefined;
};

const carriesLineage = (record: FlowRecord): boolean =>
  record.headers[LineageHeader.Path] !== undefined ||
  record.headers[LineageHeader.OriginOffset] !== undefined;

/**
 * True when a record arrived with lineage headers that this hop does not accept: any on an ingress topic, or a
 * malformed or over-long path on an internal one. Such records start their path here; the handler counts them.
 */
export const lineageRejected = (record: FlowRecord, trusted: LineageTrust): boolean =>
  carriesLineage(record) && (!trusted || inboundLineage(record) === undefined);

/**
 * The lineage a record has at this hop: its inbound path extended by this hop when `trusted` and well formed;
 * otherwise the path starts here, at the record's own offset.
 */
export const lineageOf = (record: FlowRecord, trusted: LineageTrust): Lineage => {
  const here = `${record.source.topic}/${record.source.partition}`;
  const inbound = trusted ? inboundLineage(record) : undefined;
  return inbound
    ? { path: `${inbound.path}>${here}`, originOffset: inbound.originOffset }
    : { path: here, originOffset: record.source.offset };
};

/** Adds this hop's lineage to `headers` (replacing any inherited from an earlier hop) and returns them. */
export const addLineage = (
  headers: Record<string, string | Buffer>,
  record: FlowRecord,
  flowName: string,
  trusted: LineageTrust,
): Record<string, string | Buffer> => {
  const lineage = lineageOf(record, trusted);
  headers[LineageHeader.Topic] = record.source.topic;
  headers[LineageHeader.Partition] = String(record.source.partition);
  headers[LineageHeader.Offset] = String(record.source.offset);
  headers[LineageHeader.Flow] = flowName;
  headers[LineageHeader.Path] = lineage.path;
  headers[LineageHeader.OriginOffset] = String(lineage.originOffset);
  return headers;
};
