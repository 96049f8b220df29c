import { localKafka } from '../kafka-client.ts';
import { readSampleRecords, toMessage } from '../samples/records.ts';

/** npm run produce -- <topic> <file.jsonl>: publishes sample records (see events/README.md for the format). */
const [topic, file] = process.argv.slice(2);
if (!topic || !file) {
  console.error('usage: npm run produce -- <topic> <records.jsonl>');
  process.exit(2);
}
const records = readSampleRecords(file);
const producer = localKafka('sluice-produce').producer({ allowAutoTopicCreation: false });
await producer.connect();
for (let i = 0; i < records.length; i += 500) {
  await producer.send({ topic, acks: -1, messages: records.slice(i, i + 500).map(toMessage) });
}
await producer.disconnect();
console.log(`produced ${records.length} records from ${file} to ${topic}`);
