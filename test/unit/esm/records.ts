import { type FetchedRecord, payloadBytesOf } from '../../../local/esm/event.ts';

/** Fetched records of one partition, offsets from `first`, values `{"n":offset}`. */
export const fetched = (count: number, first = 0, overrides: Partial<FetchedRecord> = {}): FetchedRecord[] =>
  Array.from({ length: count }, (_, i) => {
    const record = {
      topic: 'reviews.raw',
      partition: 0,
      offset: first + i,
      timestamp: 1_700_000_000_000 + i,
      key: Buffer.from(`k${i}`),
      value: Buffer.from(JSON.stringify({ n: first + i })),
      headers: [],
      ...overrides,
    };
    return { ...record, payloadBytes: payloadBytesOf(record) };
  });
