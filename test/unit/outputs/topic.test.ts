import { Partitioners } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import type { ProducedMessage, TopicMessages } from '../../../shared/clients/kafka.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import { RecordRejectedError } from '../../../shared/errors.ts';
import { encodeValue } from '../../../shared/outputs/encode.ts';
import { createTopicWriter, toProducedMessage } from '../../../shared/outputs/topic-writer.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { flowRecord, offsets } from './records.ts';

/** A produced message's headers as a name → text map (the last value of a repeated name), for assertions. */
const headerMap = (message: ProducedMessage): Record<string, string | Buffer> =>
  Object.fromEntries(message.headers.map((h) => [h.key, h.value]));

describe('the topic output', () => {
  it('encodes objects as JSON, strings as UTF-8, bytes as they are and null as a tombstone', () => {
    expect(encodeValue({ a: 1 })?.toString()).toBe('{"a":1}');
    expect(encodeValue('héllo')?.toString('utf8')).toBe('héllo');
    expect(encodeValue(Buffer.from([0xff, 0x00]))).toEqual(Buffer.from([0xff, 0x00]));
    expect(encodeValue(new Uint8Array([1, 2]))).toEqual(Buffer.from([1, 2]));
    expect(encodeValue(42)?.toString()).toBe('42');
    expect(encodeValue(null)).toBeNull();
  });

  it('adds lineage headers to every record and forwards the others', () => {
    // Prepare
    const record = flowRecord({ topic: 'reviews', partition: 3, offset: 17, headers: { trace: 'abc' } });
    // Act
    const message = toProducedMessage(record, 'cleanse-reviews');
    // Assess
    expect(headerMap(message)).toEqual({
      trace: Buffer.from('abc'),
      'sluice.source.topic': 'reviews',
      'sluice.source.partition': '3',
      'sluice.source.offset': '17',
      'sluice.flow': 'cleanse-reviews',
      'sluice.path': 'reviews/3',
      'sluice.origin.offset': '17',
    });
  });

  it('extends the lineage path of a record from an internal topic (an upstream flow) and keeps its origin offset', () => {
    // Prepare
    const record = flowRecord({
      topic: 'reviews.clean',
      partition: 1,
      offset: 40,
      headers: { 'sluice.path': 'reviews.raw/2', 'sluice.origin.offset': '7' },
    });
    // Act
    const headers = headerMap(toProducedMessage(record, 'enrich-reviews', true));
    // Assess
    expect(headers['sluice.path']).toBe('reviews.raw/2>reviews.clean/1');
    expect(headers['sluice.origin.offset']).toBe('7');
    expect(headers['sluice.source.offset']).toBe('40');
  });

  it('forwards the headers of an untouched decoded record as the text that encodes to the bytes received', () => {
    // Prepare
    const [record] = decodeBatch(
      kafkaEvent([
        {
          offset: 3,
          key: 'r-1',
          value: { a: 1 },
          headers: { trace: 'abc', 'content-type': 'application/json' },
        },
      ]),
      { formats: { 'reviews.raw': 'json' } },
    ).records;
    // Act
    const message = toProducedMessage(record as FlowRecord, 'f');
    // Assess
    expect(message.key).toBe(record?.source.key);
    expect(message.headers.slice(0, 2)).toEqual([
      { key: 'trace', value: 'abc' },
      { key: 'content-type', value: 'application/json' },
    ]);
    const sent = message.headers.slice(0, 2).map((h) => ({ key: h.key, value: Buffer.from(h.value) }));
    expect(sent).toEqual(record?.source.headers);
  });

  it('forwards binary source headers as their bytes and drops headers a step removed', () => {
    // Prepare
    const base = flowRecord({ headers: { kept: 'k', removed: 'r' } });
    const binary = Buffer.from([0xff, 0xfe]);
    const record = {
      ...base,
      headers: { kept: 'k', added: 'a' },
      source: { ...base.source, headers: [...base.source.headers, { key: 'bin', value: binary }] },
    };
    // Act
    const headers = headerMap(toProducedMessage(record, 'f'));
    // Assess
    expect(headers.kept).toEqual(Buffer.from('k'));
    expect(headers.added).toBe('a');
    expect(headers.bin).toEqual(binary);
    expect(headers).not.toHaveProperty('removed');
  });

  it('replaces lineage headers inherited from an upstream flow with this hop', () => {
    const record = flowRecord({
      offset: 5,
      headers: { 'sluice.source.offset': '999', 'sluice.flow': 'upstream' },
    });
    const message = toProducedMessage(record, 'here');
    expect(message.headers.filter((h) => h.key.startsWith('sluice.'))).toHaveLength(6);
    expect(headerMap(message)['sluice.source.offset']).toBe('5');
    expect(headerMap(message)['sluice.flow']).toBe('here');
  });

  it('preserves the exact source key bytes, even when they are not UTF-8', () => {
    // Prepare
    const binaryKey = Buffer.from([0xc3, 0x28, 0x01]);
    const base = flowRecord({ offset: 1 });
    const record = { ...base, key: binaryKey.toString('utf8'), source: { ...base.source, key: binaryKey } };
    // Act
    const message = toProducedMessage(record, 'f');
    // Assess
    expect(message.key).toEqual(binaryKey);
  });

  it('uses the new key when a step changed it, and produces a tombstone for a null value', () => {
    const record = { ...flowRecord({ key: 'old', value: null }), key: 'new' };
    const message = toProducedMessage(record, 'f');
    expect(message.key?.toString()).toBe('new');
    expect(message.value).toBeNull();
  });

  it('sends the whole batch in one batched send, in source order', async () => {
    // Prepare
    const sendBatch = vi.fn(async (_batch: readonly TopicMessages[]) => undefined);
    const writer = createTopicWriter({
      name: 'topic:out',
      topic: 'out',
      producer: () => ({ sendBatch }),
      maxMessageBytes: 1024 * 1024,
    });
    // Act
    const result = await writer.write(offsets(10, 5), { flowName: 'f' });
    // Assess
    expect(sendBatch).toHaveBeenCalledTimes(1);
    const [batch] = sendBatch.mock.calls[0] ?? [];
    expect(batch?.[0]?.topic).toBe('out');
    expect(batch?.[0]?.messages.map((m) => headerMap(m)['sluice.source.offset'])).toEqual([
      '10',
      '11',
      '12',
      '13',
      '14',
    ]);
    expect(result).toEqual({ written: 5, deadLetters: [] });
  });

  it('dead-letters a record too large for the topic and sends the rest', async () => {
    // Prepare
    const sendBatch = vi.fn(async (_batch: readonly TopicMessages[]) => undefined);
    const writer = createTopicWriter({
      name: 'topic:out',
      topic: 'out',
      producer: () => ({ sendBatch }),
      maxMessageBytes: 2048,
    });
    const big = flowRecord({ offset: 2, value: { text: 'x'.repeat(2048) } });
    // Act
    const result = await writer.write([flowRecord({ offset: 1 }), big, flowRecord({ offset: 3 })], {
      flowName: 'f',
    });
    // Assess
    expect(result.written).toBe(2);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]?.record).toBe(big);
    expect(result.deadLetters[0]?.error).toBeInstanceOf(RecordRejectedError);
    expect(result.deadLetters[0]?.stage).toBe('output');
    expect(sendBatch.mock.calls[0]?.[0]?.[0]?.messages).toHaveLength(2);
  });

  it('partitions keyed records exactly as the Java client does (murmur2 on the key bytes)', () => {
    // Prepare: partitions computed by org.apache.kafka.common.utils.Utils (kafka-clients 4.1.1) for 12 partitions
    const java = { '21': 0, foobar: 6, 'a-little-bit-long-string': 8, 'customer-42': 9, héllo: 6 };
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    // Act
    const actual = Object.fromEntries(
      Object.keys(java).map((key) => [
        key,
        partitioner({
          topic: 't',
          partitionMetadata,
          message: { key: Buffer.from(key, 'utf8'), value: null },
        }),
      ]),
    );
    // Assess
    expect(actual).toEqual(java);
  });
});
