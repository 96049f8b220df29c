/**
 * `npm run bench -- schemas [records]`: Avro and Protobuf against JSON on the same logical records (the review
 * records of bench/records.ts), in the same run: each record decoded from its framed bytes as the function does
 * (framing, writer schema from the cache, body) and encoded again, records/s; and registry calls per 1,000 records
 * over batches of 100 through `registryDecoding`, the writer schema fetched from an in-memory source that counts
 * calls. Writes bench/results/schemas.json: avroToJsonSpeed, protobufToJsonSpeed (ratios, > 1 is faster than JSON),
 * registryCallsPer1000.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDecoders } from '../shared/decode/formats.ts';
import { compileCodec, glueMessageIndex } from '../shared/schemas/codecs.ts';
import { registryDecoding } from '../shared/schemas/decoding.ts';
import { glueRegistry } from '../shared/schemas/registry.ts';
import type { SchemaSource } from '../shared/schemas/sources.ts';
import { confluentFrame, glueFrame } from '../shared/schemas/wire.ts';
import { defineTopics } from '../shared/topology/resources.ts';
import { reviewRecords } from './records.ts';

const reviewAvro = JSON.stringify({
  type: 'record',
  name: 'Review',
  fields: [
    { name: 'reviewId', type: 'string' },
    { name: 'customerId', type: 'string' },
    { name: 'productId', type: 'string' },
    { name: 'rating', type: 'int' },
    { name: 'title', type: 'string' },
    { name: 'text', type: 'string' },
    { name: 'createdAt', type: 'string' },
    { name: 'country', type: 'string' },
    {
      name: 'customer',
      type: { type: 'record', name: 'Customer', fields: [{ name: 'tier', type: 'string' }] },
    },
  ],
});
const reviewProto = `syntax = "proto3";
message Review {
  string reviewId = 1; string customerId = 2; string productId = 3; int32 rating = 4; string title = 5;
  string text = 6; string createdAt = 7; string country = 8; Customer customer = 9;
}
message Customer { string tier = 1; }
`;

const VERSION = '6b578f60-d277-402d-ab56-033d33402f4f';

/** Records per second of `work` over all values, best of `rounds` (the same for every format). */
const rate = (values: readonly Buffer[], work: (bytes: Buffer) => Buffer, rounds = 7): number => {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    let bytes = 0;
    for (const v of values) bytes += work(v).length;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (bytes === 0) throw new Error('nothing encoded');
    best = Math.max(best, values.length / seconds);
  }
  return best;
};

export const main = async (args: string[]): Promise<void> => {
  const n = Number(args[0] ?? 20_000);
  const logical = reviewRecords(n).map((r) => r.value as Record<string, unknown>);
  const avro = compileCodec('avro', reviewAvro);
  const proto = compileCodec('protobuf', reviewProto);

  const source = (definition: string, format: 'avro' | 'protobuf'): SchemaSource & { calls: number } => {
    const counted = {
      calls: 0,
      fetch: async () => {
        counted.calls++;
        return { format, definition };
      },
    };
    return counted;
  };
  const registry = glueRegistry({ name: 'bench' });
  const topics = defineTopics({
    avro: { name: 'reviews.avro', format: 'avro', partitions: 1, registry },
    proto: { name: 'reviews.proto', format: 'protobuf', partitions: 1, registry },
  });
  const avroSource = source(reviewAvro, 'avro');
  const avroDecoding = registryDecoding(topics.avro, { source: avroSource });
  const protoDecoding = registryDecoding(topics.proto, { source: source(reviewProto, 'protobuf') });

  // The same logical records in each format, framed as Glue frames them.
  const jsonValues = logical.map((v) => Buffer.from(JSON.stringify(v)));
  const avroValues = logical.map((v) => glueFrame(VERSION, avro.encode(v)));
  // Review is the file's first message; Glue names it by its place among the sorted names (Customer, Review).
  const review = { sorted: glueMessageIndex(reviewProto) };
  const protoValues = logical.map((v) =>
    glueFrame(VERSION, proto.encode(v, review), { messageIndex: review.sorted }),
  );
  const eventOf = (values: readonly Buffer[]) => ({
    records: {
      'reviews-0': values.map((v, offset) => ({ offset, value: v.toString('base64') })),
    },
  });

  // registry calls: batches of 100 records, as a mapping would deliver them.
  for (let i = 0; i < n; i += 100) await avroDecoding.prepare(eventOf(avroValues.slice(i, i + 100)));
  await protoDecoding.prepare(eventOf(protoValues.slice(0, 100)));
  const registryCallsPer1000 = (avroSource.calls * 1000) / n;

  const json = defaultDecoders.json;
  const jsonRate = rate(jsonValues, (b) => Buffer.from(JSON.stringify(json(b))));
  const avroRate = rate(avroValues, (b) => glueFrame(VERSION, avro.encode(avroDecoding.value(b))));
  const protoRate = rate(protoValues, (b) =>
    glueFrame(VERSION, proto.encode(protoDecoding.value(b), review), { messageIndex: review.sorted }),
  );
  const confluentBytes = confluentFrame(1, avro.encode(logical[0])).length;

  const results = {
    node: process.versions.node,
    records: n,
    recordsPerSecond: {
      json: Math.round(jsonRate),
      avro: Math.round(avroRate),
      protobuf: Math.round(protoRate),
    },
    avroToJsonSpeed: Number((avroRate / jsonRate).toFixed(2)),
    protobufToJsonSpeed: Number((protoRate / jsonRate).toFixed(2)),
    registryCallsPer1000,
    bytesPerRecord: {
      json: Math.round(jsonValues.reduce((s, b) => s + b.length, 0) / n),
      avroGlue: Math.round(avroValues.reduce((s, b) => s + b.length, 0) / n),
      avroConfluentFirst: confluentBytes,
      protobufGlue: Math.round(protoValues.reduce((s, b) => s + b.length, 0) / n),
    },
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'schemas.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `decode + encode, records/s: json ${results.recordsPerSecond.json}, avro ${results.recordsPerSecond.avro} (${results.avroToJsonSpeed}× json), protobuf ${results.recordsPerSecond.protobuf} (${results.protobufToJsonSpeed}× json)`,
  );
  console.log(
    `registry calls per 1,000 records: ${registryCallsPer1000} (${avroSource.calls} for ${n} records)`,
  );
  console.log(`bytes per record: ${JSON.stringify(results.bytesPerRecord)}`);
  console.log(`wrote ${out}`);
};
