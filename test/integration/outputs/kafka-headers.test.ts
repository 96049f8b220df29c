import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaProducer } from '../../../shared/clients/kafka.ts';
import { deadLetterRecord } from '../../../shared/dead-letter.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import type { KafkaEventRecord } from '../../../shared/decode/event.ts';
import { StepError } from '../../../shared/errors.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { endpoints, uniqueName } from '../../support/endpoints.ts';
import { kafkaEvent } from '../../unit/runtime/kafka-events.ts';
import { useLocalServers } from './support.ts';

useLocalServers();
// @platformatic/kafka needs Node 22's Promise.withResolvers; the tests may run on Node 20.
(Promise as { withResolvers?: unknown }).withResolvers ??= <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const brokers = endpoints().kafka.brokers;
const admin = new Kafka({ clientId: 'headers-test', brokers, logLevel: logLevel.NOTHING }).admin();

/**
 * Every record's headers exactly as stored, in wire order, as [name, hex]. Read with @platformatic/kafka, whose
 * `headerEntries` keep the wire list: kafkajs's consumer folds headers into an object, which turns a header named
 * `constructor` into [Object, value] and groups repeated names.
 */
const storedHeaders = async (topic: string, count: number): Promise<[string, string][][]> => {
  const consumer = new Consumer({
    groupId: uniqueName('headers-test'),
    clientId: 'headers-test',
    bootstrapBrokers: brokers,
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.EARLIEST,
    autocommit: false,
  });
  const seen: [string, string][][] = [];
  for await (const message of stream) {
    seen.push(message.headerEntries.map(([k, v]) => [k.toString('utf8'), v.toString('hex')]));
    if (seen.length >= count) break;
  }
  await consumer.close(true);
  return seen;
};

const bytes = (text: string): number[] => [...Buffer.from(text, 'utf8')];
const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

const hostile = (): FlowRecord => {
  const event = kafkaEvent([{ offset: 7, key: 'k', value: { n: 1 } }]);
  const raw = event.records?.['reviews.raw-0']?.[0] as { headers: KafkaEventRecord['headers'] };
  raw.headers = [
    { trace: bytes('a') },
    { ['__proto__']: bytes('p') },
    { constructor: bytes('c') },
    { toString: bytes('t') },
    { hasOwnProperty: bytes('h') },
    { sig: [255, 0, -1] },
    { trace: bytes('b') },
  ];
  const [record] = decodeBatch(event, { formats: { 'reviews.raw': 'json' } }).records;
  if (!record) throw new Error('expected a record');
  return record;
};

/** What the broker must hold: every header and byte; kafkajs sends a repeated name's values together. */
const expected: [string, string][] = [
  ['trace', hex('a')],
  ['trace', hex('b')],
  ['__proto__', hex('p')],
  ['constructor', hex('c')],
  ['toString', hex('t')],
  ['hasOwnProperty', hex('h')],
  ['sig', 'ff00ff'],
];

describe('headers on a real broker', () => {
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.disconnect();
    await kafkaProducer().disconnect();
  });

  it('forwards and dead-letters repeated, binary and Object.prototype-named headers byte for byte', async () => {
    // Prepare
    const topic = uniqueName('headers-out');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const output = toTopic(topic).create();
    const record = hostile();
    const dead = { record, stage: 'step' as const, error: new StepError('boom'), component: 'map' };
    // Act
    const written = await output.write([record], { flowName: 'cleanse-reviews' });
    const deadLettered = await output.write([deadLetterRecord(dead, 'cleanse-reviews')], {
      flowName: 'cleanse-reviews',
    });
    const [forwarded, deadLetter] = await storedHeaders(topic, 2);
    // Assess
    expect(written.written + deadLettered.written).toBe(2);
    const original = (headers: [string, string][] | undefined) =>
      (headers ?? []).filter(([name]) => !name.startsWith('sluice.'));
    expect(original(forwarded)).toEqual(expected);
    expect(original(deadLetter)).toEqual(expected);
    expect(deadLetter?.map(([name]) => name)).toContain('sluice.dlq.stage');
  });
});
