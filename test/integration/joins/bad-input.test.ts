import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { runBatch } from '../../../shared/handler/run-batch.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { join } from '../../../shared/stateful/join.ts';
import { EventBuilder, type TestRecord } from '../../../shared/testing/kafka-event.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { localAws } from '../../support/endpoints.ts';
import { createJoinStateTable, dynamodbEndpoint } from '../../support/stateful/join-under-test.ts';
import { memoryTopic } from '../../unit/runtime/memory-output.ts';

const client = new DynamoDBClient(localAws(dynamodbEndpoint()));
const DAY = 86_400_000;
const NOW = Date.now();

const topics = defineTopics({
  reviews: { name: 'reviews.clean', format: 'json', partitions: 1 },
  orders: { name: 'orders', format: 'json', partitions: 1 },
  verified: { name: 'reviews.verified', format: 'json', partitions: 1, internal: true },
  dead: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});

/** verified-reviews, both sides: a review joins the customer's orders of the 30 days before it (1 hour grace). */
const sides = async () => {
  const state = await createJoinStateTable(client);
  const side = (s: 'left' | 'right') => {
    const joined = memoryTopic(topics.verified);
    const dead = memoryTopic(topics.dead);
    const flow = defineFlow({
      name: s === 'left' ? 'verify-reviews' : 'verify-orders',
      source: { topic: s === 'left' ? topics.reviews : topics.orders },
      steps: [
        join({
          name: 'verified-reviews',
          state,
          side: s,
          other: s === 'left' ? topics.orders : topics.reviews,
          key: 'customerId',
          topicKeyed: true,
          eventTime: 'at',
          within: { before: '30d', after: 0 },
          grace: '1h',
          as: (review, order) => ({ review, order }),
        }),
      ],
      outputs: [joined],
      deadLetter: dead,
    });
    const events = new EventBuilder(flow.source.topic.name, NOW);
    const send = (records: TestRecord[]) =>
      runBatch(flow, events.event(records), {
        outputFor: (o) => o.create(),
        ports: { dynamodb: client },
        now: Date.now,
      });
    return { send, joined: joined.output, dead: dead.output };
  };
  return { reviews: side('left'), orders: side('right') };
};

const iso = (t: number) => new Date(t).toISOString();
const stages = (records: readonly FlowRecord[]) =>
  records.map((r) => [
    JSON.parse(r.source.value?.toString() ?? 'null')?.id,
    r.headers[DeadLetterHeader.Stage],
  ]);

describe('a join given bad input', () => {
  afterAll(() => client.destroy());

  it('dead-letters an order arriving days late as `late`, and still joins the on-time one of the same batch', async () => {
    // Prepare: the orders side is at yesterday; an order 40 days old is past what its store keeps (30 days + 1 h).
    const { reviews, orders } = await sides();
    await reviews.send([{ value: { id: 'rev-1', customerId: 'c1', at: iso(NOW) } }]);
    await orders.send([{ value: { id: 'ord-yesterday', customerId: 'c2', at: iso(NOW - DAY) } }]);
    // Act
    const outcome = await orders.send([
      { value: { id: 'ord-old', customerId: 'c1', at: iso(NOW - 40 * DAY) } },
      { value: { id: 'ord-new', customerId: 'c1', at: iso(NOW - 2 * DAY) } },
    ]);
    // Assess
    expect(stages(orders.dead.records)).toEqual([['ord-old', 'late']]);
    expect(orders.dead.records[0]?.headers[DeadLetterHeader.ErrorClass]).toBe('LateRecordError');
    expect(orders.joined.records.map((r) => r.value)).toEqual([
      {
        review: { id: 'rev-1', customerId: 'c1', at: iso(NOW) },
        order: { id: 'ord-new', customerId: 'c1', at: iso(NOW - 2 * DAY) },
      },
    ]);
    expect(outcome.summary.deadLettersByStage).toEqual({ late: 1 });
  });

  it('dead-letters records whose key or event time it cannot read, with the reason, and drops tombstones', async () => {
    // Prepare
    const { reviews } = await sides();
    // Act
    const outcome = await reviews.send([
      { value: { id: 'no-key', at: iso(NOW) } },
      { value: { id: 'object-key', customerId: { id: 'c1' }, at: iso(NOW) } },
      { value: { id: 'no-time', customerId: 'c1' } },
      { value: { id: 'bad-time', customerId: 'c1', at: 'last tuesday' } },
      { value: { id: 'future', customerId: 'c1', at: iso(NOW + 3 * DAY) } },
      { value: { id: 'huge', customerId: 'c1', at: iso(NOW), text: 'x'.repeat(400_000) } },
      { key: 'c1', value: null },
      { value: { id: 'fine', customerId: 'c1', at: iso(NOW) } },
    ]);
    // Assess
    expect(stages(reviews.dead.records)).toEqual([
      ['no-key', 'step'],
      ['object-key', 'step'],
      ['no-time', 'step'],
      ['bad-time', 'step'],
      ['future', 'step'],
      ['huge', 'step'],
    ]);
    const reasons = reviews.dead.records.map((r) => r.headers[DeadLetterHeader.ErrorMessage]);
    expect(reasons[0]).toMatch(/join key customerId is missing/);
    expect(reasons[3]).toMatch(/event time at is not a time/);
    expect(reasons[4]).toMatch(/ahead of the clock/);
    expect(reasons[5]).toMatch(/too large to keep/);
    expect(outcome.summary.filtered).toBe(1);
  });

  it('emits nothing again when a delivered and committed batch comes again (a crash before the offsets were committed)', async () => {
    // Prepare
    const { reviews, orders } = await sides();
    await orders.send([{ offset: 0, value: { id: 'ord-1', customerId: 'c1', at: iso(NOW - DAY) } }]);
    const batch: TestRecord[] = [{ offset: 0, value: { id: 'rev-1', customerId: 'c1', at: iso(NOW) } }];
    await reviews.send(batch);
    const first = reviews.joined.records.map(({ key, value, headers, source }) => ({
      key,
      value,
      headers,
      offset: source.offset,
    }));
    // Act
    await reviews.send(batch);
    await orders.send([{ offset: 0, value: { id: 'ord-1', customerId: 'c1', at: iso(NOW - DAY) } }]);
    // Assess
    const all = reviews.joined.records.map(({ key, value, headers, source }) => ({
      key,
      value,
      headers,
      offset: source.offset,
    }));
    expect(first).toHaveLength(1);
    expect(all).toEqual([first[0]]);
    expect(orders.joined.records).toEqual([]);
  });
});
