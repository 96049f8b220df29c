import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { type ProducedHeader, toKafkaHeaders } from '../../../shared/clients/kafka.ts';
import { DeadLetterHeader, deadLetterRecord } from '../../../shared/dead-letter.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import type { KafkaEventRecord } from '../../../shared/decode/event.ts';
import { StepError } from '../../../shared/errors.ts';
import { isLineageHeader } from '../../../shared/outputs/lineage.ts';
import { toProducedMessage } from '../../../shared/outputs/topic-writer.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';

// kafkajs's own record encoder and byte decoder: what the producer puts on the wire, read back without kafkajs's
// record decoder (which folds headers into an object).
const require = createRequire(import.meta.url);
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  key: Buffer | null;
  value: Buffer | null;
  headers: unknown;
}) => { buffer: Buffer };
const Decoder = require('kafkajs/src/protocol/decoder') as new (
  buffer: Buffer,
) => {
  readVarInt(): number;
  readInt8(): number;
  readVarLong(): unknown;
  readVarIntBytes(): Buffer | null;
  readVarIntString(): string;
  readVarIntArray<T>(reader: (d: unknown) => T): T[];
};

/** The headers of one encoded record, in wire order. */
const wireHeaders = (headers: readonly ProducedHeader[]): [string, string][] => {
  const decoder = new Decoder(
    encodeRecord({ key: null, value: null, headers: toKafkaHeaders(headers) }).buffer,
  );
  decoder.readVarInt(); // length
  decoder.readInt8(); // attributes
  decoder.readVarLong(); // timestamp delta
  decoder.readVarInt(); // offset delta
  decoder.readVarIntBytes(); // key
  decoder.readVarIntBytes(); // value
  return decoder.readVarIntArray((d) => {
    const header = d as InstanceType<typeof Decoder>;
    return [header.readVarIntString(), header.readVarIntBytes()?.toString('hex') ?? ''] as [string, string];
  });
};

const bytes = (text: string): number[] => [...Buffer.from(text, 'utf8')];

/** Headers no plain object can hold: a repeated name, names of Object.prototype members, binary bytes, "1". */
const hostileHeaders: KafkaEventRecord['headers'] = [
  { trace: bytes('a') },
  // A computed key: an own property named __proto__, as JSON.parse makes it from the Lambda event.
  { ['__proto__']: bytes('p') },
  { constructor: bytes('c') },
  { toString: bytes('t') },
  { hasOwnProperty: bytes('h') },
  { sig: [255, 0, -1] },
  { trace: bytes('b') },
  { '1': bytes('one') },
];

const decoded = (): FlowRecord => {
  const event = kafkaEvent([{ offset: 7, key: 'k', value: { n: 1 } }]);
  const raw = event.records?.['reviews.raw-0']?.[0] as { headers: unknown };
  raw.headers = hostileHeaders;
  const [record] = decodeBatch(event, { formats: { 'reviews.raw': 'json' } }).records;
  if (!record) throw new Error('expected a record');
  return record;
};

/** The source headers as [name, hex] pairs. */
const sourcePairs = (record: FlowRecord): [string, string][] =>
  record.source.headers.map((h) => [h.key, h.value.toString('hex')]);

const pairs = (headers: readonly ProducedHeader[]): [string, string][] =>
  headers.map((h) => [h.key, Buffer.from(h.value).toString('hex')]);

describe('header fidelity', () => {
  it('gives steps a view that holds headers named like Object.prototype members as their text', () => {
    // Act
    const record = decoded();
    // Assess
    expect(Object.hasOwn(record.headers, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(record.headers, '__proto__')?.value).toBe('p');
    expect(record.headers.constructor).toBe('c');
    expect(record.headers.toString).toBe('t');
    expect(record.headers.trace).toBe('b');
  });

  it('forwards every header of a record in order, byte for byte: repeated, binary and Object.prototype names', () => {
    // Prepare
    const record = decoded();
    // Act
    const message = toProducedMessage(record, 'cleanse-reviews');
    // Assess
    const forwarded = message.headers.filter((h) => !isLineageHeader(h.key));
    expect(pairs(forwarded)).toEqual(sourcePairs(record));
    expect(message.headers.filter((h) => isLineageHeader(h.key))).toHaveLength(6);
  });

  it('forwards text headers in their order when a name is a number (which an object would list first)', () => {
    // Prepare
    const event = kafkaEvent([{ offset: 1, headers: { trace: 't', 'content-type': 'c' } }]);
    const raw = event.records?.['reviews.raw-0']?.[0] as { headers: unknown };
    raw.headers = [{ trace: bytes('t') }, { '42': bytes('answer') }];
    const [record] = decodeBatch(event, { formats: { 'reviews.raw': 'json' } }).records;
    // Act
    const message = toProducedMessage(record as FlowRecord, 'f');
    // Assess
    expect(message.headers.slice(0, 2)).toEqual([
      { key: 'trace', value: Buffer.from('t') },
      { key: '42', value: Buffer.from('answer') },
    ]);
  });

  it('forwards every original header of a record a step changed, then the header the step added', () => {
    // Prepare
    const original = decoded();
    const record = { ...original, headers: { ...original.headers, added: 'x' } };
    // Act
    const message = toProducedMessage(record, 'cleanse-reviews');
    // Assess
    const forwarded = message.headers.filter((h) => !isLineageHeader(h.key));
    expect(pairs(forwarded)).toEqual([...sourcePairs(record), ['added', Buffer.from('x').toString('hex')]]);
  });

  it('drops every copy of a repeated header a step removed, and sends a changed one once with its new value', () => {
    // Prepare
    const original = decoded();
    const { trace: _removed, ...rest } = original.headers;
    const record = { ...original, headers: { ...rest, constructor: 'changed' } };
    // Act
    const message = toProducedMessage(record, 'f');
    // Assess
    const names = message.headers.filter((h) => !isLineageHeader(h.key)).map((h) => h.key);
    expect(names).toEqual(['__proto__', 'toString', 'hasOwnProperty', 'sig', '1', 'constructor']);
    expect(message.headers.find((h) => h.key === 'constructor')?.value).toBe('changed');
  });

  it('keeps every original header of a dead letter in order, byte for byte, followed by the context headers', () => {
    // Prepare
    const record = decoded();
    const dead = { record, stage: 'step' as const, error: new StepError('boom'), component: 'map' };
    // Act
    const message = toProducedMessage(deadLetterRecord(dead, 'cleanse-reviews'), 'cleanse-reviews');
    // Assess
    const forwarded = message.headers.filter((h) => !isLineageHeader(h.key));
    const original = forwarded.slice(0, record.source.headers.length);
    expect(pairs(original)).toEqual(sourcePairs(record));
    expect(forwarded.slice(record.source.headers.length).map((h) => h.key)).toEqual([
      DeadLetterHeader.Flow,
      DeadLetterHeader.Stage,
      DeadLetterHeader.Component,
      DeadLetterHeader.ErrorClass,
      DeadLetterHeader.ErrorMessage,
      DeadLetterHeader.SourceTopic,
      DeadLetterHeader.SourcePartition,
      DeadLetterHeader.SourceOffset,
      DeadLetterHeader.SourceTimestamp,
    ]);
    expect(forwarded.some((h) => h.key.startsWith(DeadLetterHeader.HeaderBase64Prefix))).toBe(false);
  });

  it('reaches the wire through kafkajs with every header and byte, each name in the order it first came', () => {
    // Prepare
    const record = decoded();
    const hex = (text: string) => Buffer.from(text).toString('hex');
    // Act
    const wire = wireHeaders(record.source.headers);
    // Assess: kafkajs takes headers as an object, so the repeated `trace` travels grouped (a, b) at its first place
    expect(wire).toEqual([
      ['trace', hex('a')],
      ['trace', hex('b')],
      ['__proto__', hex('p')],
      ['constructor', hex('c')],
      ['toString', hex('t')],
      ['hasOwnProperty', hex('h')],
      ['sig', 'ff00ff'],
      ['1', hex('one')],
    ]);
  });

  it('reaches the wire unchanged when no name repeats with others in between', () => {
    // Prepare
    const headers = [
      { key: 'b', value: 'first' },
      { key: '7', value: 'digit' },
      { key: '__proto__', value: Buffer.from([0]) },
      { key: 'a', value: 'x' },
      { key: 'a', value: 'y' },
    ];
    // Act
    const wire = wireHeaders(headers);
    // Assess
    expect(wire).toEqual(pairs(headers));
  });
});
