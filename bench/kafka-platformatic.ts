/**
 * The Kafka seam exercised with @platformatic/kafka instead of kafkajs: a `KafkaProducer` (the port the topic
 * output writes to) backed by platformatic's Producer, and a measurement the outputs benchmark runs in a child
 * process (platformatic needs Node.js ≥ 22; the repository's tools may run on 20).
 *
 *   node --import tsx bench/kafka-platformatic.ts <broker> <topic> <records> <batch>
 * prints { node, kafkajs: {recordsPerSec, requestsPer1000}, platformatic: {...} }
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { CompressionAlgorithms, compatibilityPartitioner, ProduceAcks, Producer } from '@platformatic/kafka';
import { createKafkaProducer, type KafkaProducer } from '../shared/clients/kafka.ts';
import { createTopicWriter } from '../shared/outputs/topic-writer.ts';
import { reviewRecords } from './records.ts';

/** Produce requests (API key 0) sent by platformatic clients in this process. */
let produceRequests = 0;
tracingChannel('plt:kafka:connections:api').start.subscribe((event) => {
  if ((event as { apiKey?: number }).apiKey === 0) produceRequests += 1;
});

export const platformaticProducer = (brokers: readonly string[]): KafkaProducer => {
  const producer = new Producer({
    clientId: 'sluice',
    bootstrapBrokers: [...brokers],
    acks: ProduceAcks.ALL,
    compression: CompressionAlgorithms.GZIP,
    // platformatic's default partitioner is murmur2 >>> 0, which differs from Java's for negative hashes.
    partitioner: compatibilityPartitioner,
  });
  return {
    async sendBatch(batch) {
      const messages = batch.flatMap(({ topic, messages }) =>
        messages.map(({ key, value, headers }) => ({
          topic,
          key: key ?? undefined,
          value: value ?? undefined,
          // Keys are Buffers, so a Map keeps repeated names (distinct Buffer objects), in order.
          headers: new Map(
            headers.map(({ key: k, value: v }) => [Buffer.from(k), Buffer.isBuffer(v) ? v : Buffer.from(v)]),
          ),
        })),
      );
      if (messages.length > 0) await producer.send({ messages });
    },
    disconnect: () => producer.close(),
  };
};

/** Times `n` records through the topic output in batches of `size`, with the given producer behind the port. */
export const measureTopicOutput = async (
  producer: KafkaProducer,
  topic: string,
  n: number,
  size: number,
  requests: () => number,
) => {
  const output = createTopicWriter({
    name: 'topic',
    topic,
    producer: () => producer,
    maxMessageBytes: 1 << 20,
  });
  await output.write(reviewRecords(10, 'warmup'), { flowName: 'bench' });
  const all = reviewRecords(n);
  const before = requests();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < all.length; i += size)
    await output.write(all.slice(i, i + size), { flowName: 'bench' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const spent = process.cpuUsage(cpu);
  await producer.disconnect();
  return {
    recordsPerSec: Math.round(all.length / seconds),
    // This process's CPU (user + system) per record: the client's share of a function's cost.
    cpuMicrosPerRecord: Number(((spent.user + spent.system) / all.length).toFixed(1)),
    requestsPer1000: Number((((requests() - before) * 1000) / all.length).toFixed(2)),
  };
};

/** Both clients behind the same port, same records, same broker, same Node.js: which is faster. */
const main = async () => {
  const [broker = '', topic = '', n = '10000', size = '1000'] = process.argv.slice(2);
  let kafkajsRequests = 0;
  const kafkajs = createKafkaProducer({
    brokers: [broker],
    auth: { mode: 'plaintext' },
    clientId: 'bench',
    onRequest: (api) => {
      if (api === 'Produce') kafkajsRequests += 1;
    },
  });
  const result = {
    node: process.version,
    kafkajs: await measureTopicOutput(kafkajs, topic, Number(n), Number(size), () => kafkajsRequests),
    platformatic: await measureTopicOutput(
      platformaticProducer([broker]),
      topic,
      Number(n),
      Number(size),
      () => produceRequests,
    ),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
};

if (import.meta.url === `file://${process.argv[1]}`) await main();
