import { isUtf8 } from 'node:buffer';
import { loadTopologyModule } from '../../cdk/topology-module.ts';
import type { SchemaFormat } from '../../shared/schemas/codecs.ts';
import { fetchedHeaders } from '../esm/event.ts';
import { localKafka } from '../kafka-client.ts';
import { type Decoded, localGlue, topicDecoder } from '../runner/registry.ts';
import { readState } from '../services/state.ts';
import { toolArgs, usageError } from './args.ts';

/**
 * npm run tail -- <topic> [--follow] [--limit N]: prints every record from the beginning with its key,
 * decoded value and headers; exits at the end of the topic unless --follow (then Ctrl-C ends it, exit 0). On a
 * registry topic of the topology, values (and registry-framed keys) are decoded with the writer schema the
 * framing names, and the line says which (`schema`); bytes that do not decode are shown in base64 with the reason.
 */
const usage = 'usage: npm run tail -- <topic> [--follow] [--limit N]';
const { values, positionals } = toolArgs(
  process.argv.slice(2),
  usage,
  { follow: { type: 'boolean' }, limit: { type: 'string' } },
  { min: 1, max: 1 },
);
const topic = positionals[0] as string;
const follow = values.follow ?? false;
const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
if (!Number.isInteger(limit) && limit !== Number.POSITIVE_INFINITY)
  usageError(usage, `--limit ${values.limit}: expected a whole number`);
if (limit < 1) usageError(usage, `--limit ${values.limit}: expected 1 or more`);

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

const ref = (await loadTopologyModule()).topology.topic(topic);
const glue = ref?.registry === undefined ? undefined : localGlue(readState());
const valueDecoder = ref && glue ? topicDecoder(ref, glue) : undefined;
const keyDecoder =
  ref && glue && ref.keyFormat !== undefined && ref.keyFormat !== 'string'
    ? topicDecoder(ref, glue, ref.keyFormat as SchemaFormat, undefined)
    : undefined;
/** A registry record as printed: the decoded value, or its bytes and why they do not decode. */
const shown = (decoded: Decoded, bytes: Buffer) =>
  'value' in decoded ? decoded.value : { undecodable: decoded.error, base64: bytes.toString('base64') };

const kafka = localKafka('sluice-tail');
const admin = kafka.admin();
await admin.connect();
const { topics: existing } = await admin.fetchTopicMetadata().catch(() => ({ topics: [] }));
if (!existing.some((t) => t.name === topic)) {
  await admin.disconnect();
  console.error(
    `error: no topic named ${topic} (npm run tail -- <topic>; topics: ${existing
      .map((t) => t.name)
      .filter((n) => !n.startsWith('_'))
      .sort()
      .join(', ')})`,
  );
  process.exit(1);
}
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
  glue?.destroy();
  // Exit only once stdout is flushed: on a pipe, console.log is asynchronous.
  process.stdout.write('', () => process.exit(0));
};
if (!follow && !remaining()) {
  console.error(`${topic} is empty`);
  process.exit(0);
}
// Ctrl-C ends --follow: leave the group cleanly, then exit 0 (the user asked for it; nothing failed).
process.once('SIGINT', () => void finish());
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    if (finishing || printed >= limit) return;
    // Every header, repeated names included, as text (base64 when binary).
    const headers = fetchedHeaders(message.headers).map(({ key, value }) => ({ [key]: text(value) }));
    const value = message.value && valueDecoder ? await valueDecoder(message.value) : undefined;
    const key = message.key && keyDecoder ? await keyDecoder(message.key) : undefined;
    console.log(
      JSON.stringify({
        partition,
        offset: Number(message.offset),
        key: key && message.key ? shown(key, message.key) : text(message.key),
        value: value && message.value ? shown(value, message.value) : decodedValue(message.value),
        ...(value?.schemaId === undefined ? {} : { schema: value.schemaId }),
        headers,
      }),
    );
    printed++;
    if (Number(message.offset) + 1 >= (ends.get(partition) ?? 0)) ends.set(partition, 0);
    // Not awaited here: kafkajs's disconnect waits for this very handler to return (tulios/kafkajs#767).
    if (printed >= limit || (!follow && !remaining())) setImmediate(() => void finish());
  },
});
