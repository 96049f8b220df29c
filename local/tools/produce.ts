import { existsSync } from 'node:fs';
import { localKafka } from '../kafka-client.ts';
import { publish } from '../runner/publish.ts';
import { readSampleRecords } from '../samples/records.ts';
import { toolArgs, usageError } from './args.ts';

/** npm run produce -- <topic> <file.jsonl>: publishes sample records (see events/README.md for the format). */
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
// The runner's publisher: sends cut to fit the broker, so large records with one key go through.
await publish(kafka, topic, records);
console.log(`produced ${records.length} records from ${file} to ${topic}`);
