import avro from 'avsc';
import protobuf from 'protobufjs';
import { RetriableError } from '../../../shared/errors.ts';
import { registryDecoding } from '../../../shared/schemas/decoding.ts';
import { glueRegistry } from '../../../shared/schemas/registry.ts';
import type { SchemaSource, WriterSchema } from '../../../shared/schemas/sources.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics, type TopicOptions } from '../../../shared/topology/resources.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

/** Review records as Avro, Protobuf and JSON Schema: the same logical record in each format. */
export const reviewV1 = JSON.stringify({
  type: 'record',
  name: 'Review',
  namespace: 'sluice',
  fields: [
    { name: 'reviewId', type: 'string' },
    { name: 'rating', type: 'int' },
  ],
});
/** v2 adds a field with a default: a v2 reader reads v1 records (BACKWARD). */
export const reviewV2 = JSON.stringify({
  type: 'record',
  name: 'Review',
  namespace: 'sluice',
  fields: [
    { name: 'reviewId', type: 'string' },
    { name: 'rating', type: 'int' },
    { name: 'channel', type: 'string', default: 'web' },
  ],
});
/** v3 adds a field without a default: v1 records cannot be read as v3. */
export const reviewV3 = JSON.stringify({
  type: 'record',
  name: 'Review',
  namespace: 'sluice',
  fields: [
    { name: 'reviewId', type: 'string' },
    { name: 'rating', type: 'int' },
    { name: 'verified', type: 'boolean' },
  ],
});
export const reviewProto = `syntax = "proto3";
package sluice;
message Envelope { string id = 1; }
message Review {
  string reviewId = 1;
  int32 rating = 2;
  message Note { string text = 1; }
}
`;
export const reviewJsonSchema = JSON.stringify({
  type: 'object',
  required: ['reviewId', 'rating'],
  properties: { reviewId: { type: 'string' }, rating: { type: 'integer', minimum: 1, maximum: 5 } },
});

/** Avro body bytes by avsc directly, not through Sluice's codecs. */
export const avroBody = (schema: string, value: unknown): Buffer =>
  avro.Type.forSchema(JSON.parse(schema)).toBuffer(value);

/** Protobuf body bytes of `sluice.<message>` by protobufjs directly. */
export const protoBody = (message: string, value: Record<string, unknown>): Buffer => {
  const type = protobuf.parse(reviewProto, { keepCase: true }).root.lookupType(`sluice.${message}`);
  return Buffer.from(type.encode(type.fromObject(value)).finish());
};

/**
 * Confluent framing built byte by byte here, independently of shared/schemas/wire.ts: magic 0, the id as 4
 * bytes big-endian, then (Protobuf) the message indexes as zig-zag varints (small numbers only).
 */
export const confluentBytes = (id: number, body: Buffer, indexes?: number[]): Buffer => {
  const header = [0, (id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff];
  const index =
    indexes === undefined
      ? []
      : indexes.length === 1 && indexes[0] === 0
        ? [0]
        : [indexes.length * 2, ...indexes.map((i) => i * 2)];
  return Buffer.concat([Buffer.from(header), Buffer.from(index), body]);
};

/** Glue framing built byte by byte: version 3, compression byte, the UUID's 16 bytes, the (compressed) body. */
export const glueBytes = (uuid: string, compression: number, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from([3, compression]), Buffer.from(uuid.replaceAll('-', ''), 'hex'), payload]);

export const V1_ID = '11111111-2222-3333-4444-555555555501';
export const V3_ID = '11111111-2222-3333-4444-555555555503';

/** A fake registry: writer schemas from memory, every call counted; `down` makes it throw as an unreachable one. */
export class FakeRegistry implements SchemaSource {
  calls = 0;
  down = false;
  readonly schemas = new Map<string, WriterSchema>();
  constructor(entries: Record<string, WriterSchema> = {}) {
    for (const [id, schema] of Object.entries(entries)) this.schemas.set(id, schema);
  }
  async fetch(id: string): Promise<WriterSchema | undefined> {
    this.calls++;
    if (this.down) throw new RetriableError('fake registry: connect ECONNREFUSED');
    return this.schemas.get(id);
  }
}

/**
 * A flow reading `reviews` (Avro on a Glue registry named sluice, unless `topic` says otherwise) with writer schemas
 * from `source`, writing what it decodes to one memory topic and its dead letters to another.
 */
export const readingFlow = (topic: Partial<TopicOptions>, source: SchemaSource) => {
  const topics = defineTopics({
    reviews: {
      name: 'reviews',
      partitions: 1,
      format: 'avro',
      registry: glueRegistry({ name: 'sluice' }),
      ...topic,
    },
    out: { name: 'reviews.out', format: 'json', partitions: 1 },
    dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
  });
  const out = memoryTopic(topics.out);
  const dead = memoryTopic(topics.dead);
  const flow = defineFlow({
    name: 'read-reviews',
    source: { topic: topics.reviews },
    schemas: registryDecoding(topics.reviews, { source }),
    outputs: [out],
    deadLetter: dead,
  });
  return { flow, out: out.output, dead: dead.output };
};
