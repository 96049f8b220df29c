import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Admin, Kafka } from 'kafkajs';
import { localAwsConfig } from '../services/aws-local.ts';
import type { LocalState } from '../services/state.ts';
import type { ProductHour } from './expectations.ts';
import type { Check } from './report.ts';

/** The reference topology's windowed aggregation (functions/product-ratings.ts) and where it keeps its hours. */
export const productStats = {
  topic: 'reviews.product-stats',
  table: 'product-stats',
  aggregation: 'ratings-per-hour',
} as const;

const HOUR_MS = 3_600_000;

/** Partition → end offset of a topic now: what a run's new records come after. */
export const partitionEnds = async (admin: Admin, topic: string): Promise<Map<number, number>> =>
  new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));

/** The values of a topic's records from `since` to its current end (JSON), read without a committed group. */
export const readValuesSince = async (
  kafka: Kafka,
  admin: Admin,
  topic: string,
  since: ReadonlyMap<number, number>,
): Promise<unknown[]> => {
  const ends = await partitionEnds(admin, topic);
  const remaining = new Set([...ends].filter(([p, end]) => end > (since.get(p) ?? 0)).map(([p]) => p));
  const values: unknown[] = [];
  if (remaining.size === 0) return values;
  const consumer = kafka.consumer({ groupId: `sluice-runner-check-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const offset = Number(message.offset);
            if (offset >= (since.get(partition) ?? 0) && offset < (ends.get(partition) ?? 0))
              values.push(JSON.parse(String(message.value)));
            if (offset + 1 >= (ends.get(partition) ?? 0)) remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
};

/** One hour of one product as the state table holds it, read with a plain Scan (not Sluice's query). */
interface TableHour {
  readonly key: string;
  readonly windowStart: number;
  readonly result: unknown;
}

export const tableHours = async (state: LocalState): Promise<TableHour[]> => {
  const client = new DynamoDBClient(localAwsConfig(state.dynamodb?.endpoint ?? ''));
  const hours: TableHour[] = [];
  try {
    for await (const page of paginateScan(
      { client },
      {
        TableName: productStats.table,
        ConsistentRead: true,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': { S: `w|${productStats.aggregation}|` } },
      },
    ))
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw);
        hours.push({ key: item.key, windowStart: item.windowStart, result: item.result });
      }
  } finally {
    client.destroy();
  }
  return hours;
};

/** The figures the samples call for, as product-ratings writes them (its `reduce` result). */
const figuresOf = (hour: ProductHour) => ({
  count: hour.count,
  ratingSum: hour.ratingSum,
  averageRating: hour.ratingSum / hour.count,
});

/** The same figures, whatever order a store keeps an object's fields in. */
const same = (actual: unknown, expected: ReturnType<typeof figuresOf>): boolean =>
  typeof actual === 'object' &&
  actual !== null &&
  Object.keys(actual).length === 3 &&
  (Object.keys(expected) as (keyof typeof expected)[]).every(
    (k) => (actual as Record<string, unknown>)[k] === expected[k],
  );

/**
 * npm start's checks of product-ratings: the records emitted on close (one per closed hour, with its figures),
 * the hours the table keeps current (closed and open), and the late reviews dead-lettered.
 */
export const productStatsChecks = (
  expected: ReadonlyMap<string, ProductHour>,
  emitted: readonly unknown[],
  table: readonly TableHour[],
  lateExpected: number,
  lateActual: number,
): Check[] => {
  const closed = [...expected.values()].filter((h) => h.closed);
  const matchingRecords = emitted.filter((value) => {
    const v = value as { key?: string; windowStart?: number; windowEnd?: number; value?: unknown };
    const hour = expected.get(`${v.key}@${v.windowStart}`);
    return (
      hour?.closed === true && v.windowEnd === hour.windowStart + HOUR_MS && same(v.value, figuresOf(hour))
    );
  });
  const matchingItems = table.filter((item) => {
    const hour = expected.get(`${item.key}@${item.windowStart}`);
    return hour !== undefined && same(item.result, figuresOf(hour));
  });
  return [
    {
      what: 'reviews.product-stats: hours closed (one record each)',
      expected: closed.length,
      actual: emitted.length,
    },
    {
      what: "reviews.product-stats: records with the samples' figures",
      expected: closed.length,
      actual: new Set(matchingRecords.map((v) => JSON.stringify(v))).size,
    },
    {
      what: 'product-stats table: hours kept (closed and open)',
      expected: expected.size,
      actual: table.length,
    },
    {
      what: "product-stats table: hours with the samples' figures",
      expected: expected.size,
      actual: matchingItems.length,
    },
    { what: 'ratings.dlq: late reviews', expected: lateExpected, actual: lateActual },
  ];
};
