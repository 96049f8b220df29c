import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../../shared/decode/base64.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import type { KafkaEvent } from '../../../shared/decode/event.ts';
import { DecodeError, Stage } from '../../../shared/errors.ts';
import { b64, kafkaEvent } from '../runtime/kafka-events.ts';

const eventsDir = join(import.meta.dirname, '../../../events/lambda');
const fixture = (name: string): KafkaEvent => JSON.parse(readFileSync(join(eventsDir, name), 'utf8'));
const reviewsJson = { formats: { 'reviews.raw': 'json' } } as const;

describe('decoding Lambda Kafka events', () => {
  it('decodes an MSK event into records in offset order per partition, with keys, JSON values, headers and timestamp types', () => {
    // Prepare
    const event = fixture('msk-reviews.json');
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.deadLetters).toEqual([]);
    expect(batch.records.map((r) => `${r.source.partition}:${r.source.offset}`)).toEqual([
      '0:1041',
      '0:1042',
      '0:1043',
      '1:987',
      '1:988',
      '1:989',
    ]);
    const first = batch.records[0];
    expect(first?.key).toBe('r-00000');
    expect(first?.value).toMatchObject({ reviewId: 'r-00000', rating: 3 });
    expect(first?.headers).toEqual({ 'source-system': 'site', 'content-type': 'application/json' });
    expect(first?.source.timestampType).toBe('CREATE_TIME');
    expect(batch.records[3]?.source.timestampType).toBe('LOG_APPEND_TIME');
    expect(batch.partitions).toEqual([
      {
        id: 'reviews.raw-0',
        topic: 'reviews.raw',
        partition: 0,
        firstOffset: 1041,
        lastOffset: 1043,
        count: 3,
      },
      {
        id: 'reviews.raw-1',
        topic: 'reviews.raw',
        partition: 1,
        firstOffset: 987,
        lastOffset: 989,
        count: 3,
      },
    ]);
  });

  it('decodes a self-managed Kafka event (no eventSourceArn), keeping a tombstone whose value is absent', () => {
    // Prepare
    const event = fixture('self-managed-customers.json');
    // Act
    const batch = decodeBatch(event, { formats: { 'customers.cdc': 'json' } });
    // Assess
    expect(event.eventSource).toBe('SelfManagedKafka');
    expect(batch.records).toHaveLength(4);
    const tombstone = batch.records[3];
    expect(tombstone?.key).toBe('c-0001');
    expect(tombstone?.value).toBeNull();
    expect(tombstone?.source.value).toBeNull();
  });

  it('checks every Lambda event fixture: each record is either decoded or dead-lettered, none lost', () => {
    for (const file of readdirSync(eventsDir).filter((f) => f.endsWith('.json'))) {
      // Prepare
      const event = fixture(file);
      const topics = Object.values(event.records ?? {}).flatMap((g) => g.map((r) => r.topic));
      const count = topics.length;
      // Act
      const batch = decodeBatch(event, { formats: { 'reviews.raw': 'json', 'customers.cdc': 'json' } });
      // Assess
      expect(['aws:kafka', 'SelfManagedKafka'], file).toContain(event.eventSource);
      expect(event.eventSource === 'aws:kafka' ? event.eventSourceArn : 'none', file).toMatch(
        /^arn:aws:kafka:|none/,
      );
      expect(batch.records.length + batch.deadLetters.length, file).toBe(count);
      expect(batch.total, file).toBe(count);
    }
  });

  it('dead-letters each bad record of the bad-records fixture with a reason and keeps the good ones', () => {
    // Prepare
    const event = fixture('msk-bad-records.json');
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    const reasons = batch.deadLetters.map((d) => [d.record.source.offset, d.stage, d.error.message]);
    expect(reasons).toEqual([
      [500, Stage.Decode, expect.stringContaining('value is not valid base64')],
      [501, Stage.Decode, expect.stringContaining('json value is not valid JSON')],
      [77, Stage.Decode, expect.stringContaining('topic "payments.raw" is not a source of this flow')],
    ]);
    expect(batch.records.map((r) => r.source.offset)).toEqual([502, 503, 504, 505]);
  });
});

describe('bad input never fails the batch', () => {
  it('dead-letters a value that is not valid base64, carrying the text as received', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 1, rawValue: 'not base64!' }, { offset: 2 }]);
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.records.map((r) => r.source.offset)).toEqual([2]);
    const [dead] = batch.deadLetters;
    expect(dead?.error).toBeInstanceOf(DecodeError);
    expect(dead?.error.message).toContain('value is not valid base64');
    expect(dead?.record.source.value?.toString('utf8')).toBe('not base64!');
    expect(dead?.component).toBe('decoder');
  });

  it('dead-letters a value that is not valid JSON, keeping its original bytes', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 7, value: '{"rating": 5,' }]);
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.records).toEqual([]);
    expect(batch.deadLetters[0]?.error.message).toMatch(/^json value is not valid JSON/);
    expect(batch.deadLetters[0]?.record.source.value?.toString('utf8')).toBe('{"rating": 5,');
  });

  it('passes valid JSON of the wrong shape on to the steps, where validate judges it', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 1, value: [1, 2, 3] }]);
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.records[0]?.value).toEqual([1, 2, 3]);
  });

  it('keeps a null value as a tombstone', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 1, value: null }]);
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.records[0]).toMatchObject({ key: 'k-1', value: null });
  });

  it('keeps a record with a null key', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 1, key: null, value: { a: 1 } }]);
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.records[0]).toMatchObject({ key: null, value: { a: 1 } });
    expect(batch.records[0]?.source.key).toBeNull();
  });

  it('decodes a 1 MB value', () => {
    // Prepare
    const big = { text: 'x'.repeat(1_000_000) };
    const event = kafkaEvent([{ offset: 1, value: big }]);
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect((batch.records[0]!.value as typeof big).text).toHaveLength(1_000_000);
  });

  it('keeps a header with non-UTF-8 bytes as bytes on the source record and out of the text headers', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 1, headers: { trace: 'abc' } }]);
    const record = event.records?.['reviews.raw-0']?.[0];
    (record as { headers: unknown }).headers = [{ trace: [97, 98, 99] }, { sig: [-1, 0xfe, 0x80] }];
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    const decoded = batch.records[0];
    expect(decoded?.headers).toEqual({ trace: 'abc' });
    expect(decoded?.source.headers.map((h) => [h.key, [...h.value]])).toEqual([
      ['trace', [97, 98, 99]],
      ['sig', [255, 254, 128]],
    ]);
  });

  it('returns an empty batch for an event with no records', () => {
    // Prepare
    const empty = { eventSource: 'aws:kafka', records: {} };
    const missing = { eventSource: 'SelfManagedKafka' };
    // Act
    const batches = [decodeBatch(empty, reviewsJson), decodeBatch(missing, reviewsJson)];
    // Assess
    for (const batch of batches)
      expect(batch).toEqual({ records: [], deadLetters: [], partitions: [], total: 0 });
  });

  it('dead-letters records of a topic the flow does not read, naming the topic', () => {
    // Prepare
    const event = kafkaEvent([{ topic: 'other', offset: 3 }, { offset: 4 }]);
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.records.map((r) => r.source.topic)).toEqual(['reviews.raw']);
    expect(batch.deadLetters[0]?.error.message).toBe(
      'topic "other" is not a source of this flow (expected reviews.raw)',
    );
  });

  it('dead-letters a JSON value whose bytes are not valid UTF-8', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 1, rawValue: Buffer.from([0x22, 0xff, 0x22]).toString('base64') }]);
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.deadLetters[0]?.error.message).toBe('json value is not valid UTF-8');
  });

  it('dead-letters a record whose headers are malformed instead of throwing', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 1 }]);
    (event.records?.['reviews.raw-0']?.[0] as { headers: unknown }).headers = [{ h: 'not bytes' }];
    // Act
    const batch = decodeBatch(event, reviewsJson);
    // Assess
    expect(batch.deadLetters[0]?.error.message).toContain('headers are not a list');
  });
});

describe('value formats', () => {
  it('decodes string topics as UTF-8 text and bytes topics as Buffers', () => {
    // Prepare
    const event = kafkaEvent([
      { topic: 'text', offset: 1, value: 'héllo' },
      { topic: 'blob', offset: 2, rawValue: Buffer.from([0, 1, 2, 255]).toString('base64') },
    ]);
    // Act
    const batch = decodeBatch(event, { formats: { text: 'string', blob: 'bytes' } });
    // Assess
    expect(batch.records[0]?.value).toBe('héllo');
    expect([...(batch.records[1]!.value as Buffer)]).toEqual([0, 1, 2, 255]);
  });

  it('dead-letters avro values until a registry decoder is supplied, and uses one when it is', () => {
    // Prepare
    const event = kafkaEvent([{ topic: 'avro', offset: 1, value: 'x' }]);
    // Act
    const without = decodeBatch(event, { formats: { avro: 'avro' } });
    const withDecoder = decodeBatch(event, {
      formats: { avro: 'avro' },
      decoders: { avro: (b) => ({ bytes: b.length }) },
    });
    // Assess
    expect(without.deadLetters[0]?.error.message).toContain('avro values need a registry');
    expect(withDecoder.records[0]?.value).toEqual({ bytes: 1 });
  });
});

describe('strict base64', () => {
  it('accepts padded standard base64 and rejects skipped characters or bad lengths', () => {
    expect(decodeBase64(b64('hello'))?.toString()).toBe('hello');
    expect(decodeBase64('')?.length).toBe(0);
    expect(decodeBase64('aGVsbG8')).toBeUndefined();
    expect(decodeBase64('aGV!bG8=')).toBeUndefined();
    expect(decodeBase64('aGVs bG8=')).toBeUndefined();
  });
});
