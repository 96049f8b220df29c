import { describe, expect, it } from 'vitest';
import { batchItemFailures } from '../../../shared/batch-response.ts';
import {
  DeadLetterHeader,
  deadLetterMessage,
  deadLetterRecord,
  truncateUtf8,
} from '../../../shared/dead-letter.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import { StepError } from '../../../shared/errors.ts';
import { toProducedMessage } from '../../../shared/outputs/topic-writer.ts';
import { kafkaEvent } from './kafka-events.ts';

const decodeFailure = () => {
  const event = kafkaEvent([{ offset: 42, partition: 2, rawValue: 'e30=', key: 'k' }]);
  const record = event.records?.['reviews.raw-2']?.[0];
  (record as { headers: unknown }).headers = [{ trace: [97] }, { sig: [255, 0] }, { trace: [98] }];
  (record as { value: unknown }).value = '{"broken":';
  return decodeBatch(event, { formats: { 'reviews.raw': 'json' } }).deadLetters[0];
};

describe('dead-letter messages', () => {
  it('carry the original key, value and every header byte for byte, then the context headers', () => {
    // Prepare
    const dead = decodeFailure();
    if (!dead) throw new Error('expected a dead letter');
    // Act
    const message = deadLetterMessage(dead, 'enrich-reviews');
    // Assess
    expect(message.key?.toString()).toBe('k');
    expect(message.value?.toString()).toBe('{"broken":');
    const headers = message.headers.map((h) => [
      h.key,
      h.key.startsWith('sluice.') ? h.value.toString() : [...h.value],
    ]);
    expect(headers).toEqual([
      ['trace', [97]],
      ['sig', [255, 0]],
      ['trace', [98]],
      [DeadLetterHeader.Flow, 'enrich-reviews'],
      [DeadLetterHeader.Stage, 'decode'],
      [DeadLetterHeader.Component, 'decoder'],
      [DeadLetterHeader.ErrorClass, 'DecodeError'],
      [DeadLetterHeader.ErrorMessage, expect.stringContaining('value is not valid base64')],
      [DeadLetterHeader.SourceTopic, 'reviews.raw'],
      [DeadLetterHeader.SourcePartition, '2'],
      [DeadLetterHeader.SourceOffset, '42'],
      [DeadLetterHeader.SourceTimestamp, String(1_700_000_000_042)],
    ]);
  });

  it('become records whose value is the original bytes and whose topic message keeps every header byte for byte', () => {
    // Prepare
    const dead = decodeFailure();
    if (!dead) throw new Error('expected a dead letter');
    // Act
    const record = deadLetterRecord(dead, 'enrich-reviews');
    const message = toProducedMessage(record, 'enrich-reviews');
    // Assess
    expect(Buffer.isBuffer(record.value)).toBe(true);
    expect(record.source).toBe(dead.record.source);
    expect(record.key).toBe('k');
    expect(record.headers).toMatchObject({ trace: 'b', [DeadLetterHeader.Stage]: 'decode' });
    expect(message.headers.slice(0, 4).map((h) => [h.key, [...Buffer.from(h.value)]])).toEqual([
      ['trace', [97]],
      ['sig', [255, 0]],
      ['trace', [98]],
      [DeadLetterHeader.Flow, [...Buffer.from('enrich-reviews')]],
    ]);
  });

  it('truncate long error messages to 1 KiB of UTF-8 without splitting a character', () => {
    // Prepare
    const dead = decodeFailure();
    if (!dead) throw new Error('expected a dead letter');
    const long = { ...dead, error: new StepError('é'.repeat(5000)) };
    // Act
    const message = deadLetterRecord(long, 'f').headers[DeadLetterHeader.ErrorMessage] ?? '';
    // Assess
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
    expect(message.endsWith('…[truncated]')).toBe(true);
    expect(truncateUtf8('short', 1024)).toBe('short');
  });

  it('can omit the value (recording its size) when the dead-letter topic refuses the full message', () => {
    const dead = decodeFailure();
    if (!dead) throw new Error('expected a dead letter');
    const record = deadLetterRecord(dead, 'f', { omitValue: true });
    expect(record.value).toBeNull();
    expect(record.headers[DeadLetterHeader.ValueOmittedBytes]).toBe('10');
  });
});

describe('partial batch responses', () => {
  it('report the lowest failed offset per partition as "topic-N"', () => {
    // Act
    const response = batchItemFailures([
      { topic: 'reviews.raw', partition: 0, offset: 12 },
      { topic: 'reviews.raw', partition: 0, offset: 10 },
      { topic: 'reviews.raw', partition: 3, offset: 7 },
    ]);
    // Assess
    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'reviews.raw-0', offset: 10 } },
        { itemIdentifier: { partition: 'reviews.raw-3', offset: 7 } },
      ],
    });
  });

  it('is an empty list when nothing failed', () => {
    expect(batchItemFailures([])).toEqual({ batchItemFailures: [] });
  });
});
