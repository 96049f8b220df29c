/**
 * npm run bench -- e2e-floor [records] [gzip|none]: the floor under the e2e processing-path figure. The same two
 * Kafka hops as reviews.raw → cleanse → reviews.clean → enrich → reviews.enriched, done by kafkajs alone with no
 * Sluice code: each hop a consumer (eachBatch) that re-produces every record as it came (key, value, three
 * lineage headers; acks=all; batches of 500) in its own worker thread, so the hops run in parallel as the flows'
 * environments do. No decode, no steps, no event, no child process: what is left is the client library and the
 * broker on this machine. Timed from a backlog, as the e2e processing path is. Writes bench/results/e2e-floor.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type Admin, CompressionTypes, Partitioners } from 'kafkajs';
import { localKafka } from '../local/kafka-client.ts';
import { up } from '../local/services/manager.ts';
import { projectRoot } from '../local/services/paths.ts';
import { cpuBetween, cpuByPart } from './cpu.ts';

interface Hop {
  readonly from: string;
  readonly to: string;
  readonly compression: 'gzip' | 'none';
}

const topics = ['bench.floor.a', 'bench.floor.b', 'bench.floor.c'] as const;

/** One hop, in a worker thread: consume `from`, produce every record to `to`. */
const runHop = async ({ from, to, compression }: Hop) => {
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
  const workers = [
    { from: topics[0], to: topics[1], compression },
    { from: topics[1], to: topics[2], compression },
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
    `floor (kafkajs only, 2 hops, ${compression}): ${records} records through in ${((done - joined) / 1000).toFixed(1)}s after the groups joined (${recordsPerSec} records/s); CPU seconds ${JSON.stringify(Object.fromEntries(cpu))}`,
  );
  const result = {
    recordsPerSec,
    compression,
    records,
    joinSeconds: Math.round(joined - started) / 1000,
    cpuSecondsByPart: Object.fromEntries(cpu),
    measuredAt: new Date().toISOString(),
  };
  mkdirSync(join(projectRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(projectRoot, 'bench', 'results', `e2e-floor-${compression}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
};

if (!isMainThread && (workerData as { floorHop?: Hop } | undefined)?.floorHop)
  await runHop((workerData as { floorHop: Hop }).floorHop);
