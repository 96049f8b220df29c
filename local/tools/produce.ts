import { localKafka } from '../kafka-client.ts';
import { publish } from '../runner/publish.ts';
import { readSampleRecords } from '../samples/records.ts';

/** npm run produce -- <topic> <file.jsonl>: publishes sample records (see events/README.md for the format). */
const [topic, file] = process.argv.slice(2);
if (!topic || !file) {
  console.error('usage: npm run produce -- <topic> <records.jsonl>');
  process.exit(2);
}
const records = readSampleRecords(file);
// The runner's publisher: sends cut to fit the broker, so large records with one key go through.
await publish(localKafka('sluice-produce'), topic, records);
console.log(`produced ${records.length} records from ${file} to ${topic}`);
