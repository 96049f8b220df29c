/**
 * Stateful benchmark: the product-ratings aggregation (1-hour tumbling windows, 10 minutes grace, count and
 * rating sum per product) run in process through the real handler against the local DynamoDB (dynalite), with
 * the state already warm (a first stretch of the stream has filled the table), timed event by event back to back
 * with the runtime floor (base64 decode + JSON.parse + JSON.stringify of the same records, as bench/runtime.ts
 * measures it). Products are Zipf-distributed over 1,000, the topic keyed by product (3 partitions), batch size
 * 500, event time one second a record. Counts DynamoDB requests at the client. Writes bench/results/stateful.json.
 *
 *   npm run bench -- stateful [--records 10000] [--rounds 3] [--warmup 10000] [--batch 500] [--products 1000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { up } from '../local/services/manager.ts';
import { readState } from '../local/services/state.ts';
import type { KafkaEvent } from '../shared/decode/event.ts';
import { handlerFor } from '../shared/handler/handler-for.ts';
import type { Output } from '../shared/outputs/output.ts';
import type { OutputSpec } from '../shared/outputs/spec.ts';
import type { FlowRecord } from '../shared/record.ts';
import { aggregate, reduce, tumbling } from '../shared/stateful/index.ts';
import { defineFlow } from '../shared/topology/flow.ts';
import { defineTables, defineTopics } from '../shared/topology/resources.ts';
import {
  kafkaEvents,
  nextOffsets,
  round,
  statefulResults,
  type WorkloadRecord,
  workload,
} from './stateful-workload.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Metrics go nowhere here: the benchmark measures the runtime, not stdout.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const arg = (args: string[], name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};

const HOUR_MS = 3_600_000;
const PARTITIONS = 3;
const TOPIC = 'reviews.by-product';

/** Counts what reaches DynamoDB: requests by kind, and the items the writes put or delete. */
class CountingClient {
  writes = 0;
  items = 0;
  reads = 0;
  /** Wall time with at least one request in flight (parallel requests counted once). */
  waitingNs = 0n;
  #inFlight = 0;
  #since = 0n;
  constructor(private readonly client: DynamoDBClient) {}
  async send(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    if (this.#inFlight++ === 0) this.#since = process.hrtime.bigint();
    try {
      return await this.#count(command);
    } finally {
      if (--this.#inFlight === 0) this.waitingNs += process.hrtime.bigint() - this.#since;
    }
  }
  #count(command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> {
    const name = command.constructor.name;
    if (name === 'PutItemCommand' || name === 'DeleteItemCommand') {
      this.writes++;
      this.items++;
    } else if (name === 'BatchWriteItemCommand' || name === 'TransactWriteItemsCommand') {
      this.writes++;
      const requests = (command.input.RequestItems ?? {}) as Record<string, unknown[]>;
      const transact = (command.input.TransactItems ?? []) as unknown[];
      this.items += Object.values(requests).reduce((n, list) => n + list.length, 0) + transact.length;
    } else if (name === 'BatchGetItemCommand' || name === 'QueryCommand') this.reads++;
    return this.client.send(command as never);
  }
}

/** Counts the records an output is given, and drops them (the benchmark measures the step, not Kafka). */
class CountingOutput implements Output {
  records = 0;
  constructor(readonly name: string) {}
  async write(records: readonly FlowRecord[]) {
    this.records += records.length;
    return { written: records.length, deadLetters: [] };
  }
}
const spec = (name: string, topic: string, output: Output): OutputSpec<'topic'> => ({
  kind: 'topic',
  name,
  resources: { topics: [topic] },
  create: () => output,
});

const context = {
  functionName: 'bench',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/** The runtime floor (bench/runtime.ts): decode each value and write it again as JSON. */
const floor = (event: KafkaEvent): number => {
  let bytes = 0;
  for (const group of Object.values(event.records ?? {}))
    for (const r of group)
      bytes += JSON.stringify(JSON.parse(Buffer.from(r.value as string, 'base64').toString('utf8'))).length;
  return bytes;
};

const timed = async (fn: () => unknown): Promise<number> => {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
};

/** Distinct (product, hour) pairs in each batch: what one write per window touched costs at least. */
const distinctWindows = (records: readonly WorkloadRecord[], batch: number): number => {
  let total = 0;
  for (let i = 0; i < records.length; i += batch)
    total += new Set(
      records
        .slice(i, i + batch)
        .map((r) => `${r.key}@${Math.floor(Date.parse(r.value.createdAt) / HOUR_MS)}`),
    ).size;
  return total;
};

export const main = async (args: string[]): Promise<void> => {
  const records = arg(args, 'records', 10_000);
  const rounds = arg(args, 'rounds', 3);
  const warmup = arg(args, 'warmup', 10_000);
  const batch = arg(args, 'batch', 500);
  const products = arg(args, 'products', 1_000);

  await up(['dynamodb']);
  const endpoint = readState().dynamodb?.endpoint;
  if (!endpoint) throw new Error('dynamodb did not start');
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = `bench-product-stats-${Date.now().toString(36)}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  try {
    const table = defineTables({ stats: { name: tableName, partitionKey: 'pk', sortKey: 'sk' } }).stats;
    const topics = defineTopics({
      byProduct: { name: TOPIC, format: 'json', partitions: PARTITIONS },
      stats: { name: 'reviews.product-stats', format: 'json', partitions: PARTITIONS },
      dlq: { name: 'ratings.dlq', format: 'bytes', partitions: 1 },
    });
    const emitted = new CountingOutput('topic:reviews.product-stats');
    const dead = new CountingOutput('topic:ratings.dlq');
    // functions/product-ratings.ts's step, on the bench's table.
    const flow = defineFlow({
      name: 'bench-stateful',
      source: { topic: topics.byProduct, batchSize: batch },
      steps: [
        aggregate({
          name: 'ratings-per-hour',
          state: table,
          key: 'productId',
          eventTime: 'createdAt',
          window: tumbling('1h'),
          grace: '10m',
          retention: '90d',
          reduce: reduce({
            initial: { count: 0, ratingSum: 0 },
            add: (a: { count: number; ratingSum: number }, review: { rating: number }) => ({
              count: a.count + 1,
              ratingSum: a.ratingSum + review.rating,
            }),
            result: (a) => ({ count: a.count, ratingSum: a.ratingSum, averageRating: a.ratingSum / a.count }),
          }),
        }),
      ],
      outputs: [spec(emitted.name, 'reviews.product-stats', emitted)],
      deadLetter: spec(dead.name, 'ratings.dlq', dead),
    });
    const client = new CountingClient(dynamodb);
    const handler = handlerFor(flow, {
      ports: { dynamodb: client },
      logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'SluiceBench', serviceName: 'bench' }),
    });
    const handle = async (event: KafkaEvent) => {
      const response = (await handler(event, context)) as { batchItemFailures?: unknown[] } | undefined;
      if (response?.batchItemFailures?.length) throw new Error('a benchmark batch failed');
    };

    // Warm: a first stretch of the stream fills the table (open windows, stream time) and the JIT.
    const startTime = Date.UTC(2026, 10, 20);
    const first = workload({
      records: warmup,
      products,
      partitions: PARTITIONS,
      startTime,
      stepMs: 1_000,
      seed: 1,
    });
    for (const event of kafkaEvents(first, batch, TOPIC)) await handle(event);
    console.log(
      `warm: ${warmup} records, ${emitted.records} windows emitted, ${client.writes} write requests (${round((client.writes / warmup) * 1000, 1)} per 1,000)`,
    );

    // Measure: each round the stream's next stretch (later times, next offsets); floor and flow back to back per
    // event, so a burst of outside load on this shared machine lands on both sides of the ratio.
    let offsets = nextOffsets(first, PARTITIONS);
    let time = startTime + warmup * 1_000;
    const before = {
      writes: client.writes,
      items: client.items,
      reads: client.reads,
      emitted: emitted.records,
      waitingNs: client.waitingNs,
    };
    let aggregateSeconds = 0;
    let floorSeconds = 0;
    let distinct = 0;
    let batches = 0;
    const roundRatios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const stretch = workload({
        records,
        products,
        partitions: PARTITIONS,
        startTime: time,
        stepMs: 1_000,
        seed: 2 + r,
        firstOffsets: offsets,
      });
      offsets = nextOffsets(stretch, PARTITIONS);
      time += records * 1_000;
      const events = kafkaEvents(stretch, batch, TOPIC);
      distinct += distinctWindows(stretch, batch);
      batches += events.length;
      let roundFlow = 0;
      let roundFloor = 0;
      for (const event of events) {
        roundFloor += await timed(() => floor(event));
        roundFlow += await timed(() => handle(event));
      }
      aggregateSeconds += roundFlow;
      floorSeconds += roundFloor;
      roundRatios.push(roundFloor / roundFlow);
      console.log(
        `round ${r + 1}: aggregate ${round(records / roundFlow)} records/s, floor ${round(records / roundFloor)} records/s`,
      );
    }
    if (dead.records > 0)
      throw new Error(`${dead.records} records were dead-lettered (the stream has no late ones)`);
    const measured = records * rounds;
    const waitSeconds = Number(client.waitingNs - before.waitingNs) / 1e9;
    const results = statefulResults({
      records: measured,
      aggregateSeconds,
      floorSeconds,
      writeRequests: client.writes - before.writes,
      itemsWritten: client.items - before.items,
      readRequests: client.reads - before.reads,
      distinctWindows: distinct,
      batches,
      windowsEmitted: emitted.records - before.emitted,
      extra: {
        // How much of the aggregate's time is waiting on dynalite, and the rate without that wait: the step's
        // own CPU (decode, fold, marshalling) against the floor.
        stateWaitShare: round(waitSeconds / aggregateSeconds, 3),
        aggregateRecordsPerSecWithoutStateWait: round(measured / (aggregateSeconds - waitSeconds)),
        roundRatios: roundRatios.map((x) => round(x, 4)),
        batchSize: batch,
        records: measured,
        warmupRecords: warmup,
        rounds,
        zipf: { products, exponent: 1 },
        partitions: PARTITIONS,
        window: '1h tumbling, 10m grace, event time one second a record',
        state: `dynalite (local DynamoDB) at ${endpoint}, one table, warm`,
        method:
          'handlerFor(flow) in process: decode → aggregate (read windows, fold, conditional PutItem per (product, window), BatchWriteItem of open markers, Query of closing markers, commit: meta PutItem + marker deletes) → outputs counted and dropped; floor: base64 decode + JSON.parse + JSON.stringify of the same records, timed event by event back to back',
        node: process.version,
        measuredAt: new Date().toISOString(),
      },
    });
    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'stateful.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await dynamodb.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    dynamodb.destroy();
  }
};
