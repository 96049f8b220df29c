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

export const lineageHeaders = (record: FlowRecord, flowName: string): Record<string, string> => ({
  [LineageHeader.Topic]: record.source.topic,
  [LineageHeader.Partition]: String(record.source.partition),
  [LineageHeader.Offset]: String(record.source.offset),
  [LineageHeader.Flow]: flowName,
});
