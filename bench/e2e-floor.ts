/**
 * npm run bench -- e2e-floor [records] [gzip|none] [kafkajs|platformatic]: the floor under the e2e processing-path figure. The same two
 * Kafka hops as reviews.raw → cleanse → reviews.clean → enrich → reviews.enriched, done by one Kafka client library
 * alone (kafkajs by default, or @platformatic/kafka: `main(args, { client })` lets another benchmark take the
 * floor with the functions' client) with no Sluice code: each hop a consumer (eachBatch) that re-produces every record as it came (key, value, three
 * lineage headers; acks=all; batches of 500) in its own worker thread, so the hops run in parallel as the flows'
 * environments do. No decode, no steps, no event, no child process: what is left is the client library and the
 * broker on this machine. Timed from a backlog, as the e2e processing path is. Writes
 * bench/results/e2e-floor-<compression>.json (kafkajs) or e2e-floor-<compression>-<client>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  CompressionAlgorithms,
  Consumer,
  compatibilityPartitioner,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import kafkajs, { type Admin, CompressionTypes, Partitioners } from 'kafkajs';
import { localKafka } from '../local/kafka-client.ts';
import { up } from '../local/services/manager.ts';
import { projectRoot } from '../local/services/paths.ts';
import { gzipCodec } from '../shared/clients/kafka.ts';
import { cpuBetween, cpuByPart } from './cpu.ts';

export type FloorClient = 'kafkajs' | 'platformatic';

interface Hop {
  readonly from: string;
  readonly to: string;
  readonly compression: 'gzip' | 'none';
  readonly client: FloorClient;
  readonly broker: string;
}

const topics = ['bench.floor.a', 'bench.floor.b', 'bench.floor.c'] as const;

/**
 * The same hop with @platformatic/kafka: its consumer is a stream of single messages, so a send takes what the
 * stream has buffered (up to 500), which is what one fetch brought.
 */
const runPlatformaticHop = async ({ from, to, compression, broker }: Hop) => {
  const producer = new Producer({
    clientId: `floor-${from}`,
    bootstrapBrokers: [broker],
    acks: ProduceAcks.ALL,
    compression: compression === 'gzip' ? CompressionAlgorithms.GZIP : CompressionAlgorithms.NONE,
    partitioner: compatibilityPartitioner,
  });
  const consumer = new Consumer({
    groupId: `floor-${from}-${Date.now()}`,
    clientId: `floor-${from}`,
    bootstrapBrokers: [broker],
    maxWaitTime: 10,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
  });
  const stream = await consumer.consume({
    topics: [from],
    mode: MessagesStreamModes.EARLIEST,
    autocommit: true,
  });
  parentPort?.postMessage('ready');
  const header = (name: string) => Buffer.from(name);
  let pending: { topic: string; key?: Buffer; value?: Buffer; headers: Map<Buffer, Buffer> }[] = [];
  let timer: NodeJS.Timeout | undefined;
  // Paused while a send is out, so sends are serial like kafkajs's eachBatch; what arrived meanwhile goes next.
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const messages = pending;
    pending = [];
    stream.pause();
    producer.send({ messages }).then(
      () => stream.resume(),
      (error: unknown) => {
        throw error;
      },
    );
  };
  stream.on('data', (m) => {
    pending.push({
      topic: to,
      key: m.key ?? undefined,
      value: m.value ?? undefined,
      headers: new Map([
        [header('sluice-source-topic'), Buffer.from(from)],
        [header('sluice-source-partition'), Buffer.from(String(m.partition))],
        [header('sluice-source-offset'), Buffer.from(String(m.offset))],
      ]),
    });
    if (pending.length >= 500) flush();
    // The rest of a fetch arrives in the same tick; a short timer sends what one fetch brought.
    else timer ??= setTimeout(flush, 2);
  });
};

/** One hop, in a worker thread: consume `from`, produce every record to `to`. */
const runHop = async (hop: Hop) => {
  // The functions' gzip level (shared/clients/kafka.ts), so the floor compresses as the path does.
  kafkajs.CompressionCodecs[CompressionTypes.GZIP] = gzipCodec;
  if (hop.client === 'platformatic') return runPlatformaticHop(hop);
  const { from, to, compression } = hop;
  const kafka = localKafka(`floor-${from}`);
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const consumer = kafka.consumer({
    groupId: `floor-${from}-${Date.now()}`,
    maxWaitTimeInMs: 10,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      for (let i = 0; i < batch.messages.length; i += 500) {
        await producer.send({
          topic: to,
          acks: -1,
          compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: batch.messages.slice(i, i + 500).map((m) => ({
            key: m.key,
            value: m.value,
            headers: {
              'sluice-source-topic': from,
              'sluice-source-partition': String(batch.partition),
              'sluice-source-offset': m.offset,
            },
          })),
        });
      }
    },
  });
  parentPort?.postMessage('ready');
};

const total = async (admin: Admin, topic: string) =>
  (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);

const review = (i: number) =>
  JSON.stringify({
    reviewId: `floor-${i}`,
    customerId: `c-${String(i % 190).padStart(4, '0')}`,
    productId: `p-${String(i % 50).padStart(3, '0')}`,
    rating: 1 + (i % 5),
    title: 'Solid kettle, a little loud',
    text: 'Boils quickly and the handle stays cool. The lid hinge feels cheap and it is louder than my old one, but for the price it does the job. Delivery was quick and the packaging was fine. '.repeat(
      3,
    ),
    source: 'app',
    country: 'GB',
    email: 'customer1@example.com',
    phone: '020 7946 0153',
    createdAt: Date.now(),
  });

export const main = async (args: string[]) => {
  const records = Number(args[0] ?? 50_000);
  const compression = args[1] === 'none' ? 'none' : 'gzip';
  const client: FloorClient = args[2] === 'platformatic' ? 'platformatic' : 'kafkajs';
  await up(['kafka']);
  const kafka = localKafka('sluice-floor');
  const admin = kafka.admin();
  await admin.connect();
  const existing = await admin.listTopics();
  const stale = topics.filter((t) => existing.includes(t));
  if (stale.length > 0) await admin.deleteTopics({ topics: [...stale] });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < records; i += 1000) {
    await producer.send({
      topic: topics[0],
      acks: -1,
      messages: Array.from({ length: Math.min(1000, records - i) }, (_, j) => ({
        key: `floor-${i + j}`,
        value: review(i + j),
      })),
    });
  }
  await producer.disconnect();

  const cpuBefore = cpuByPart();
  const started = performance.now();
  const broker = (await admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`)[0] ?? '';
  const workers = [
    { from: topics[0], to: topics[1], compression, client, broker },
    { from: topics[1], to: topics[2], compression, client, broker },
  ].map(
    // An eval'd trampoline: a worker's entry file is resolved before tsx's loader could read a .ts one.
    (hop) =>
      new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`,
        { eval: true, workerData: { floorHop: hop } },
      ),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const joined = performance.now();
  while ((await total(admin, topics[2])) < records) await new Promise((resolve) => setTimeout(resolve, 20));
  const done = performance.now();
  const cpu = cpuBetween(cpuBefore, cpuByPart());
  await Promise.all(workers.map((w) => w.terminate()));
  await admin.deleteTopics({ topics: [...topics] });
  await admin.disconnect();

  const recordsPerSec = Math.round(records / ((done - joined) / 1000));
  console.log(
    `floor (${client} only, 2 hops, ${compression}): ${records} records through in ${((done - joined) / 1000).toFixed(1)}s after the groups joined (${recordsPerSec} records/s); CPU seconds ${JSON.stringify(Object.fromEntries(cpu))}`,
  );
  const result = {
    recordsPerSec,
    client,
    compression,
    records,
    joinSeconds: Math.round(joined - started) / 1000,
    cpuSecondsByPart: Object.fromEntries(cpu),
    measuredAt: new Date().toISOString(),
  };
  mkdirSync(join(projectRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(
      projectRoot,
      'bench',
      'results',
      client === 'kafkajs' ? `e2e-floor-${compression}.json` : `e2e-floor-${compression}-${client}.json`,
    ),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  return result;
};

if (!isMainThread && (workerData as { floorHop?: Hop } | undefined)?.floorHop)
  await runHop((workerData as { floorHop: Hop }).floorHop);
