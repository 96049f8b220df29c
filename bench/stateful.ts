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
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
import { defineTopics, type TableRef } from '../shared/topology/resources.ts';
import { localAws } from '../test/support/endpoints.ts';
import type { AggregateSpec, InputRecord } from '../test/support/stateful/contract.ts';
import { startOracle } from '../test/support/stateful/oracle.ts';
import { createStateTable } from '../test/support/stateful/state-table.ts';
import { floor, timed } from './floor.ts';
import { InMemoryDynamoDbFake } from './memory-dynamodb.ts';
import { measureJoin } from './stateful-join.ts';
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
  constructor(private readonly client: { send(command: never): Promise<unknown> }) {}
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

interface Sizes {
  readonly records: number;
  readonly rounds: number;
  readonly warmup: number;
  readonly batch: number;
  readonly products: number;
}

const START_TIME = Date.UTC(2026, 10, 20);

/** The warm-up stretch, then `rounds` stretches of `records` each: later times, next offsets. */
const stretches = (z: Sizes): { warm: WorkloadRecord[]; measured: WorkloadRecord[][] } => {
  const warm = workload({
    records: z.warmup,
    products: z.products,
    partitions: PARTITIONS,
    startTime: START_TIME,
    stepMs: 1_000,
    seed: 1,
  });
  let offsets = nextOffsets(warm, PARTITIONS);
  let time = START_TIME + z.warmup * 1_000;
  const measured: WorkloadRecord[][] = [];
  for (let r = 0; r < z.rounds; r++) {
    const stretch = workload({
      records: z.records,
      products: z.products,
      partitions: PARTITIONS,
      startTime: time,
      stepMs: 1_000,
      seed: 2 + r,
      firstOffsets: offsets,
    });
    offsets = nextOffsets(stretch, PARTITIONS);
    time += z.records * 1_000;
    measured.push(stretch);
  }
  return { warm, measured };
};

/**
 * product-ratings' aggregation through the real handler with its state behind `port`, warmed by the first
 * stretch, then each round's stretch timed event by event back to back with the floor.
 */
const measureAggregate = async (port: CountingClient, table: TableRef, z: Sizes, label: string) => {
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
    source: { topic: topics.byProduct, batchSize: z.batch },
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
  const handler = handlerFor(flow, {
    ports: { dynamodb: port },
    logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'SluiceBench', serviceName: 'bench' }),
  });
  const handle = async (event: KafkaEvent) => {
    const response = (await handler(event, context)) as { batchItemFailures?: unknown[] } | undefined;
    if (response?.batchItemFailures?.length) throw new Error('a benchmark batch failed');
  };
  const { warm, measured } = stretches(z);
  for (const event of kafkaEvents(warm, z.batch, TOPIC)) await handle(event);
  console.log(
    `${label} warm: ${z.warmup} records, ${emitted.records} windows emitted, ${port.writes} write requests (${round((port.writes / z.warmup) * 1000, 1)} per 1,000)`,
  );
  const before = { writes: port.writes, items: port.items, reads: port.reads, emitted: emitted.records };
  const waitingBefore = port.waitingNs;
  let aggregateSeconds = 0;
  let floorSeconds = 0;
  let distinct = 0;
  let batches = 0;
  const roundRatios: number[] = [];
  for (const [r, stretch] of measured.entries()) {
    const events = kafkaEvents(stretch, z.batch, TOPIC);
    distinct += distinctWindows(stretch, z.batch);
    batches += events.length;
    let roundFlow = 0;
    let roundFloor = 0;
    // Floor and flow back to back per event: a burst of outside load on this shared machine lands on both.
    for (const event of events) {
      roundFloor += await timed(() => floor([event]));
      roundFlow += await timed(() => handle(event));
    }
    aggregateSeconds += roundFlow;
    floorSeconds += roundFloor;
    roundRatios.push(roundFloor / roundFlow);
    console.log(
      `${label} round ${r + 1}: aggregate ${round(z.records / roundFlow)} records/s, floor ${round(z.records / roundFloor)} records/s`,
    );
  }
  if (dead.records > 0)
    throw new Error(`${dead.records} records were dead-lettered (the stream has no late ones)`);
  return {
    records: z.records * z.rounds,
    aggregateSeconds,
    floorSeconds,
    writeRequests: port.writes - before.writes,
    itemsWritten: port.items - before.items,
    readRequests: port.reads - before.reads,
    distinctWindows: distinct,
    batches,
    windowsEmitted: emitted.records - before.emitted,
    waitSeconds: Number(port.waitingNs - waitingBefore) / 1e9,
    roundRatios,
    measured: measured.flat(),
    warm,
  };
};

/**
 * The Kafka Streams oracle program (dev.sluice.oracle: windowed aggregation in TopologyTestDriver, one driver
 * per partition) on the same records: the warm-up stretch once (JIT, class loading), then the measured records
 * in one request, timed from the request to its answer.
 */
const measureKafkaStreams = async (warm: readonly WorkloadRecord[], measured: readonly WorkloadRecord[]) => {
  const asInput = (records: readonly WorkloadRecord[]): InputRecord[] =>
    records.map((r) => ({
      partition: r.partition,
      offset: r.offset,
      key: r.key,
      timestamp: Date.parse(r.value.createdAt),
      value: r.value.rating,
      id: r.value.reviewId,
    }));
  const spec: AggregateSpec = {
    kind: 'aggregate',
    window: { type: 'tumbling', sizeMs: HOUR_MS },
    graceMs: 600_000,
    reduce: 'avg',
    partitions: PARTITIONS,
  };
  const oracle = startOracle();
  try {
    await oracle.aggregate(spec, asInput(warm));
    const input = asInput(measured);
    const seconds = await timed(() => oracle.aggregate(spec, input));
    return input.length / seconds;
  } finally {
    await oracle.close();
  }
};

export const main = async (args: string[]): Promise<void> => {
  const z: Sizes = {
    records: arg(args, 'records', 10_000),
    rounds: arg(args, 'rounds', 3),
    warmup: arg(args, 'warmup', 10_000),
    batch: arg(args, 'batch', 500),
    products: arg(args, 'products', 1_000),
  };
  await up(['dynamodb']);
  const endpoint = readState().dynamodb?.endpoint;
  if (!endpoint) throw new Error('dynamodb did not start');
  const dynamodb = new DynamoDBClient(localAws(endpoint));
  const made: string[] = [];
  try {
    const table = await createStateTable(dynamodb, `bench-product-stats-${Date.now().toString(36)}`);
    made.push(table.name);
    const m = await measureAggregate(new CountingClient(dynamodb), table, z, 'dynalite');
    // The same run against a fake with no latency: the step's own cost, apart from the store's.
    const fake = await measureAggregate(
      new CountingClient(new InMemoryDynamoDbFake()),
      table,
      z,
      'in-memory fake',
    );
    const joined = await measureJoin(dynamodb, z, made).catch((error: Error) => `failed: ${error.message}`);
    const kafkaStreams = await measureKafkaStreams(m.warm, m.measured).catch(
      (error: Error) => `failed: ${error.message}`,
    );
    const results = statefulResults({
      ...m,
      joinRecordsPerSec: typeof joined === 'string' ? joined : joined.recordsPerSec,
      kafkaStreamsRecordsPerSec: kafkaStreams,
      extra: {
        // How much of the aggregate's time is waiting on dynalite, and the rate without that wait: the step's
        // own CPU (decode, fold, marshalling) against the floor.
        stateWaitShare: round(m.waitSeconds / m.aggregateSeconds, 3),
        aggregateRecordsPerSecWithoutStateWait: round(m.records / (m.aggregateSeconds - m.waitSeconds)),
        inMemoryFake: {
          note: 'the same aggregation with its state in InMemoryDynamoDbFake (bench/memory-dynamodb.ts): a FAKE with no latency, the step’s own cost; not the target figure',
          aggregateRecordsPerSec: round(fake.records / fake.aggregateSeconds),
          floorRecordsPerSec: round(fake.records / fake.floorSeconds),
          aggregateToFloor: round(fake.floorSeconds / fake.aggregateSeconds, 3),
          stateWritesPer1000: round((fake.writeRequests / fake.records) * 1000, 1),
        },
        join: typeof joined === 'string' ? joined : joined.details,
        kafkaStreams:
          'dev.sluice.oracle (bench/kafka-streams) in TopologyTestDriver, one driver per partition, the same 1h tumbling windows with 10m grace over the same measured records (avg of rating), JSON lines over a pipe; JVM flags of the oracle (C1 only, serial GC); timed after a warm-up call with the warm-up records',
        roundRatios: m.roundRatios.map((x) => round(x, 4)),
        batchSize: z.batch,
        records: m.records,
        warmupRecords: z.warmup,
        rounds: z.rounds,
        zipf: { products: z.products, exponent: 1 },
        partitions: PARTITIONS,
        window: '1h tumbling, 10m grace, event time one second a record',
        state: `dynalite (local DynamoDB) at ${endpoint}, one table, warm`,
        method:
          'handlerFor(flow) in process: decode → aggregate (meta read, window reads only where the warm cache cannot vouch, fold, BatchWriteItem of new windows’ open markers then of the windows, Query of closing markers, commit: conditional meta PutItem + marker deletes) → outputs counted and dropped; floor (bench/floor.ts): base64 decode + JSON.parse + JSON.stringify of the same records, timed event by event back to back',
        node: process.version,
        measuredAt: new Date().toISOString(),
      },
    });
    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'stateful.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    for (const name of made)
      await dynamodb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    dynamodb.destroy();
  }
};
