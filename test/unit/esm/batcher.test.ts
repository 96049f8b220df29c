import { describe, expect, it } from 'vitest';
import { PartitionBuffer } from '../../../local/esm/batcher.ts';
import {
  buildEvent,
  buildEventJson,
  fetchedRecord,
  MAX_PAYLOAD_BYTES,
  toEventRecord,
} from '../../../local/esm/event.ts';
import { fetched } from './records.ts';

describe('the partition buffer of the event-source-mapping emulator', () => {
  it('is due at once when it holds a full batch, and cuts exactly the batch size', () => {
    // Prepare
    const buffer = new PartitionBuffer(10, 500);
    for (const r of fetched(25)) buffer.push(r, 0);

    // Act
    const due = buffer.dueInMs(0);
    const batch = buffer.take(0);

    // Assess
    expect(due).toBe(0);
    expect(batch.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(buffer.size).toBe(15);
  });

  it('waits for the batching window when the batch is not full', () => {
    // Prepare
    const buffer = new PartitionBuffer(100, 500);
    for (const r of fetched(3)) buffer.push(r, 1_000);

    // Act / Assess
    expect(buffer.dueInMs(1_200)).toBe(300);
    expect(buffer.dueInMs(1_500)).toBe(0);
    expect(buffer.take(1_500)).toHaveLength(3);
    expect(buffer.dueInMs(1_500)).toBeUndefined();
  });

  it('keeps each batch under the 6 MB invocation payload limit', () => {
    // Prepare: 1 MiB values grow by a third in base64, so four fit in 6 MiB and a fifth does not.
    const buffer = new PartitionBuffer(10_000, 500);
    const big = fetched(12, 0, { value: Buffer.alloc(1024 * 1024, 7) });
    for (const r of big) buffer.push(r, 0);

    // Act
    const first = buffer.take(0);

    // Assess
    const payload = first.reduce((sum, r) => sum + r.payloadBytes, 0);
    expect(first.length).toBe(4);
    expect(payload).toBeLessThanOrEqual(6 * 1024 * 1024);
    expect(buffer.dueInMs(0)).toBe(0);
  });

  it('still delivers a single record larger than the limit on its own, so it can fail and be handled', () => {
    // Prepare
    const buffer = new PartitionBuffer(10, 500, 1_000);
    for (const r of fetched(2, 0, { value: Buffer.alloc(2_000, 1) })) buffer.push(r, 0);

    // Act / Assess
    expect(buffer.take(0)).toHaveLength(1);
    expect(buffer.take(0)).toHaveLength(1);
  });
});

describe('a batch cut at the payload limit', () => {
  it('builds a Lambda event no larger than 6 MB, however many records it holds', () => {
    // Prepare: many ~1.2 KB records, where per-record separators add up.
    const buffer = new PartitionBuffer(10_000, 500);
    for (const r of fetched(8_000, 0, { value: Buffer.alloc(900, 65) })) buffer.push(r, 0);

    // Act
    const batch = buffer.take(0);
    const event = buildEvent(
      {
        clusterArn: `arn:aws:kafka:eu-west-1:123456789012:cluster/${'x'.repeat(64)}`,
        bootstrapServers: 'b-1:9098,b-2:9098',
      },
      batch,
    );

    // Assess
    expect(batch.length).toBeGreaterThan(1000);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
  });
});

describe('the payload size of a fetched record', () => {
  it('is exactly the length of its JSON in the event, plus the separator', () => {
    // Prepare
    const records = [
      ...fetched(3),
      ...fetched(2, 1_234_567, { key: null, value: null }),
      ...fetched(1, 9, {
        value: Buffer.alloc(1001, 200),
        headers: [{ key: 'trace', value: Buffer.from([0xff, 0, 7]) }],
      }),
      ...fetched(1, 10, {
        key: Buffer.alloc(2),
        headers: [
          { key: 'a', value: null },
          { key: 'b', value: Buffer.from('x') },
        ],
      }),
    ];

    // Act / Assess
    for (const record of records) {
      expect(record.payloadBytes).toBe(JSON.stringify(toEventRecord(record)).length + 1);
    }
  });
});

describe('the event JSON the emulator sends to an execution environment', () => {
  const records = [
    ...fetched(3),
    ...fetched(2, 40, { key: null, value: null }),
    ...fetched(1, 9, {
      partition: 2,
      value: Buffer.from('{"é":"ü"}'),
      headers: [
        { key: 'trace', value: Buffer.from([0xff, 0, 7, 128, 127]) },
        { key: 'a', value: null },
        { key: 'quote"d', value: Buffer.alloc(0) },
      ],
    }),
  ].map(({ payloadBytes: _, ...r }) => fetchedRecord(r));

  it('is byte for byte the JSON of the Lambda event, for MSK and self-managed sources', () => {
    for (const identity of [
      { clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/c/1', bootstrapServers: 'b-1:9098' },
      { bootstrapServers: '127.0.0.1:9092' },
    ]) {
      expect(buildEventJson(identity, records)).toBe(JSON.stringify(buildEvent(identity, records)));
    }
  });

  it('counts each record at its exact size in the event', () => {
    for (const record of records) {
      expect(record.payloadBytes).toBe(Buffer.byteLength(JSON.stringify(toEventRecord(record))) + 1);
    }
  });
});
