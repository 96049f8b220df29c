import { isUtf8 } from 'node:buffer';
import { fetchedHeaders } from '../esm/event.ts';
import { localKafka } from '../kafka-client.ts';

/**
 * npm run tail -- <topic> [--follow] [--limit N]: prints every record from the beginning with its key,
 * decoded value and headers; exits at the end of the topic unless --follow.
 */
const args = process.argv.slice(2);
const topic = args.find((a) => !a.startsWith('--'));
const follow = args.includes('--follow');
const limit = Number(args[args.indexOf('--limit') + 1]) || Number.POSITIVE_INFINITY;
if (!topic) {
  console.error('usage: npm run tail -- <topic> [--follow] [--limit N]');
  process.exit(2);
}

const text = (bytes: Buffer | null | undefined) =>
  bytes === null || bytes === undefined
    ? null
    : isUtf8(bytes)
      ? bytes.toString('utf8')
      : `base64:${bytes.toString('base64')}`;
const decodedValue = (bytes: Buffer | null) => {
  const t = text(bytes);
  if (t === null) return '(tombstone)';
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
};

const kafka = localKafka('sluice-tail');
const admin = kafka.admin();
await admin.connect();
const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
await admin.disconnect();
const remaining = () => [...ends.values()].some((end) => end > 0);

// A throwaway group per run: reading never moves anyone else's committed offsets.
const consumer = kafka.consumer({ groupId: `sluice-tail-${process.pid}-${Date.now()}` });
let printed = 0;
let finishing = false;
const finish = async () => {
  finishing = true;
  await consumer.disconnect();
  // Exit only once stdout is flushed: on a pipe, console.log is asynchronous.
  process.stdout.write('', () => process.exit(0));
};
if (!follow && !remaining()) {
  console.error(`${topic} is empty`);
  process.exit(0);
}
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    if (finishing || printed >= limit) return;
    // Every header, repeated names included, as text (base64 when binary).
    const headers = fetchedHeaders(message.headers).map(({ key, value }) => ({ [key]: text(value) }));
    console.log(
      JSON.stringify({
        partition,
        offset: Number(message.offset),
        key: text(message.key),
        value: decodedValue(message.value),
        headers,
      }),
    );
    printed++;
    if (Number(message.offset) + 1 >= (ends.get(partition) ?? 0)) ends.set(partition, 0);
    // Not awaited here: kafkajs's disconnect waits for this very handler to return (tulios/kafkajs#767).
    if (printed >= limit || (!follow && !remaining())) setImmediate(() => void finish());
  },
});
