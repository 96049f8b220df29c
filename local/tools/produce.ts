import { existsSync } from 'node:fs';
import { loadTopologyModule } from '../../cdk/topology-module.ts';
import { localKafka } from '../kafka-client.ts';
import { publish } from '../runner/publish.ts';
import { localGlue, topicEncoder } from '../runner/registry.ts';
import { readSampleRecords } from '../samples/records.ts';
import { readState } from '../services/state.ts';
import { toolArgs, usageError } from './args.ts';

/**
 * npm run produce -- <topic> <file.jsonl>: publishes sample records (see events/README.md for the format). On a
 * registry topic of the topology, JSON values are encoded in the topic's declared schema and framed for its
 * registry (Glue: the local moto registry; Confluent: the topic's registry url), as its producers write them.
 */
const usage = 'usage: npm run produce -- <topic> <records.jsonl>';
const { positionals } = toolArgs(process.argv.slice(2), usage, {}, { min: 2, max: 2 });
const [topic, file] = positionals as [string, string];
if (!existsSync(file)) usageError(usage, `${file} does not exist`);
const readRecords = () => {
  try {
    return readSampleRecords(file);
  } catch (error) {
    return usageError(usage, (error as Error).message);
  }
};
const records = readRecords();
const kafka = localKafka('sluice-produce');
const admin = kafka.admin();
await admin.connect();
const { topics } = await admin.fetchTopicMetadata();
await admin.disconnect();
if (!topics.some((t) => t.name === topic)) {
  // The broker does not create topics on first use (as on MSK by default): say so instead of retrying.
  console.error(`error: no topic named ${topic} (npm start creates the topology's topics)`);
  process.exit(1);
}
const ref = (await loadTopologyModule()).topology.topic(topic);
const glue = ref?.registry === undefined ? undefined : localGlue(readState());
let encode: ((value: unknown) => Buffer) | undefined;
try {
  encode = ref && glue ? await topicEncoder(ref, glue) : undefined;
} catch (error) {
  // A schema the registry does not hold, an unreachable registry: say which, without a stack.
  console.error(`error: ${topic}: ${(error as Error).message}`);
  process.exit(1);
} finally {
  glue?.destroy();
}
// The runner's publisher: sends cut to fit the broker, so large records with one key go through.
await publish(kafka, topic, records, encode);
console.log(
  `produced ${records.length} records from ${file} to ${topic}${encode && ref?.registry ? ` (${ref.format}, ${ref.registry.type === 'glue' ? `Glue registry ${ref.registry.name}` : `Confluent registry ${ref.registry.url}`} framing)` : ''}`,
);
