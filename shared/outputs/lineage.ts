import type { FlowRecord } from '../record.ts';

/** Headers every produced record carries so any consumer can recognise (and drop) replayed duplicates. */
export const LineageHeader = {
  Topic: 'sluice.source.topic',
  Partition: 'sluice.source.partition',
  Offset: 'sluice.source.offset',
  Flow: 'sluice.flow',
} as const;

const lineageKeys: ReadonlySet<string> = new Set(Object.values(LineageHeader));

export const isLineageHeader = (key: string): boolean => lineageKeys.has(key);

/** Adds this hop's lineage to `headers` (replacing any inherited from an earlier hop) and returns them. */
export const addLineage = (
  headers: Record<string, string | Buffer>,
  record: FlowRecord,
  flowName: string,
): Record<string, string | Buffer> => {
  headers[LineageHeader.Topic] = record.source.topic;
  headers[LineageHeader.Partition] = String(record.source.partition);
  headers[LineageHeader.Offset] = String(record.source.offset);
  headers[LineageHeader.Flow] = flowName;
  return headers;
};
