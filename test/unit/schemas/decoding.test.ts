import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { RetriableError } from '../../../shared/errors.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { registryDecoding } from '../../../shared/schemas/decoding.ts';
import { confluentRegistry, glueRegistry } from '../../../shared/schemas/registry.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics, type TopicOptions } from '../../../shared/topology/resources.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { memoryTopic } from '../runtime/memory-output.ts';
import {
  avroBody,
  confluentBytes,
  FakeRegistry,
  glueBytes,
  protoBody,
  readingFlow,
  reviewJsonSchema,
  reviewProto,
  reviewV1,
  reviewV2,
  reviewV3,
  V1_ID,
} from './fixtures.ts';

const deps = { outputFor: (spec: OutputSpec) => spec.create(), ports: {}, now: () => 1_700_000_100_000 };
const glue = glueRegistry({ name: 'sluice' });
const confluent = confluentRegistry({ url: 'http://registry.test:8081' });

/** A flow reading `reviews` in the given format from a fake registry (in memory), writing to memory topics. */
const flowOn = (topic: Partial<TopicOptions>, registry: FakeRegistry) => readingFlow(topic, registry);

const event = (...values: Buffer[]) =>
  kafkaEvent(values.map((v, i) => ({ topic: 'reviews', offset: i, rawValue: v.toString('base64') })));

const reasons = (dead: { records: { headers: Readonly<Record<string, string>> }[] }) =>
  dead.records.map((r) => r.headers[DeadLetterHeader.Reason]);

describe('registry topics read in the function', () => {
  it('reads Avro records in Glue framing, uncompressed and zlib-compressed', async () => {
    // Prepare
    const registry = new FakeRegistry({ [V1_ID]: { format: 'avro', definition: reviewV1 } });
    const { flow, out, dead } = flowOn({}, registry);
    const body = avroBody(reviewV1, { reviewId: 'r-1', rating: 4 });
    // Act
    await runBatch(flow, event(glueBytes(V1_ID, 0, body), glueBytes(V1_ID, 5, deflateSync(body))), deps);
    // Assess
    expect(out.records.map((r) => ({ ...(r.value as object) }))).toEqual([
      { reviewId: 'r-1', rating: 4 },
      { reviewId: 'r-1', rating: 4 },
    ]);
    expect(dead.records).toEqual([]);
  });

  it('reads Avro and JSON Schema records in Confluent framing', async () => {
    // Prepare
    const avroRegistry = new FakeRegistry({ '7': { format: 'avro', definition: reviewV1 } });
    const avroFlow = flowOn({ registry: confluent }, avroRegistry);
    const jsonRegistry = new FakeRegistry({ '8': { format: 'json-schema', definition: reviewJsonSchema } });
    const jsonFlow = flowOn({ registry: confluent, format: 'json-schema' }, jsonRegistry);
    // Act
    await runBatch(
      avroFlow.flow,
      event(confluentBytes(7, avroBody(reviewV1, { reviewId: 'r-2', rating: 5 }))),
      deps,
    );
    await runBatch(
      jsonFlow.flow,
      event(confluentBytes(8, Buffer.from('{"reviewId":"r-3","rating":2}'))),
      deps,
    );
    // Assess
    expect({ ...(avroFlow.out.records[0]?.value as object) }).toEqual({ reviewId: 'r-2', rating: 5 });
    expect(jsonFlow.out.records[0]?.value).toEqual({ reviewId: 'r-3', rating: 2 });
  });

  it('reads Protobuf by the message indexes: [1] is the second message, the short form [0] the first', async () => {
    // Prepare
    const registry = new FakeRegistry({ '9': { format: 'protobuf', definition: reviewProto } });
    const { flow, out, dead } = flowOn({ registry: confluent, format: 'protobuf' }, registry);
    // Act
    await runBatch(
      flow,
      event(
        confluentBytes(9, protoBody('Review', { reviewId: 'r-4', rating: 3 }), [1]),
        confluentBytes(9, protoBody('Envelope', { id: 'e-1' }), [0]),
      ),
      deps,
    );
    // Assess
    expect(out.records.map((r) => r.value)).toEqual([{ reviewId: 'r-4', rating: 3 }, { id: 'e-1' }]);
    expect(dead.records).toEqual([]);
  });

  it("reads Glue Protobuf by AWS's message index: the place among all message names sorted (B=0, B.A=1, B.A.D=2, B.C=3)", async () => {
    // Prepare
    const nested =
      'syntax = "proto3";\nmessage B { message C { string c = 1; } message A { string a = 1; message D { string d = 1; } } }\n';
    const registry = new FakeRegistry({ [V1_ID]: { format: 'protobuf', definition: nested } });
    const { flow, out, dead } = flowOn({ format: 'protobuf' }, registry);
    const dBody = Buffer.from([0x0a, 0x01, 0x78]); // field 1 (string) = "x"
    // Act: AWS's SerDe writes the index as one unsigned varint before the message
    await runBatch(
      flow,
      event(
        glueBytes(V1_ID, 0, Buffer.concat([Buffer.from([2]), dBody])),
        glueBytes(V1_ID, 0, Buffer.concat([Buffer.from([3]), dBody])),
      ),
      deps,
    );
    // Assess: 2 is B.A.D (field d), 3 is B.C (field c)
    expect(dead.records).toEqual([]);
    expect(out.records.map((r) => r.value)).toEqual([{ d: 'x' }, { c: 'x' }]);
  });

  it('reads a v1 record with a v2 reader schema (the added field takes its default)', async () => {
    // Prepare
    const registry = new FakeRegistry({ [V1_ID]: { format: 'avro', definition: reviewV1 } });
    const { flow, out } = flowOn({ schema: reviewV2 }, registry);
    // Act
    await runBatch(
      flow,
      event(glueBytes(V1_ID, 0, avroBody(reviewV1, { reviewId: 'r-5', rating: 1 }))),
      deps,
    );
    // Assess
    expect({ ...(out.records[0]?.value as object) }).toEqual({ reviewId: 'r-5', rating: 1, channel: 'web' });
  });

  it('decodes registry keys too, as JSON text, and leaves string keys as text', async () => {
    // Prepare
    const keySchema = JSON.stringify({
      type: 'record',
      name: 'Key',
      fields: [{ name: 'id', type: 'string' }],
    });
    const registry = new FakeRegistry({
      [V1_ID]: { format: 'avro', definition: reviewV1 },
      '22222222-2222-3333-4444-555555555501': { format: 'avro', definition: keySchema },
    });
    const { flow, out } = flowOn({ keyFormat: 'avro' }, registry);
    const key = glueBytes('22222222-2222-3333-4444-555555555501', 0, avroBody(keySchema, { id: 'k-1' }));
    const value = glueBytes(V1_ID, 0, avroBody(reviewV1, { reviewId: 'r-6', rating: 2 }));
    const e = kafkaEvent([{ topic: 'reviews', offset: 0, rawValue: value.toString('base64') }]);
    const record = Object.values(e.records ?? {})[0]?.[0] as { key: string | null };
    record.key = key.toString('base64');
    // Act
    await runBatch(flow, e, deps);
    // Assess
    expect(out.records[0]?.key).toBe('{"id":"k-1"}');
  });

  it('asks the registry once per writer schema: 1,000 records in 10 batches cost one call', async () => {
    // Prepare
    const registry = new FakeRegistry({ [V1_ID]: { format: 'avro', definition: reviewV1 } });
    const { flow, out } = flowOn({}, registry);
    const record = glueBytes(V1_ID, 0, avroBody(reviewV1, { reviewId: 'r', rating: 3 }));
    // Act
    for (let b = 0; b < 10; b++)
      await runBatch(flow, event(...Array.from({ length: 100 }, () => record)), deps);
    // Assess
    expect(out.records).toHaveLength(1000);
    expect(registry.calls).toBe(1);
  });

  it('reads what the mapping already deserialised (EventRecordFormat JSON) as JSON, calling no registry', async () => {
    // Prepare
    const registry = new FakeRegistry();
    const topics = defineTopics({
      reviews: { name: 'reviews', partitions: 1, format: 'avro', registry: glue },
      out: { name: 'reviews.out', format: 'json', partitions: 1 },
      dead: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
    });
    const out = memoryTopic(topics.out);
    const flow = defineFlow({
      name: 'read-reviews',
      source: { topic: topics.reviews },
      schemas: registryDecoding(topics.reviews, { where: 'mapping', source: registry }),
      outputs: [out],
      deadLetter: memoryTopic(topics.dead),
    });
    // Act
    await runBatch(
      flow,
      kafkaEvent([{ topic: 'reviews', offset: 0, value: { reviewId: 'r-7', rating: 4 } }]),
      deps,
    );
    // Assess
    expect(out.output.records[0]?.value).toEqual({ reviewId: 'r-7', rating: 4 });
    expect(registry.calls).toBe(0);
  });
});

describe('bad registry input', () => {
  it('dead-letters a record naming a schema id the registry does not hold, with reason SCHEMA_NOT_FOUND', async () => {
    // Prepare
    const registry = new FakeRegistry();
    const { flow, out, dead } = flowOn({ registry: confluent }, registry);
    // Act
    await runBatch(flow, event(confluentBytes(404, avroBody(reviewV1, { reviewId: 'r', rating: 1 }))), deps);
    // Assess
    expect(out.records).toEqual([]);
    expect(reasons(dead)).toEqual(['SCHEMA_NOT_FOUND']);
    expect(dead.records[0]?.headers[DeadLetterHeader.ErrorMessage]).toContain('404');
  });

  it('dead-letters a Confluent record whose magic byte is not 0, with reason DESERIALIZATION_ERROR', async () => {
    // Prepare
    const registry = new FakeRegistry({ '7': { format: 'avro', definition: reviewV1 } });
    const { flow, dead } = flowOn({ registry: confluent }, registry);
    const bytes = confluentBytes(7, avroBody(reviewV1, { reviewId: 'r', rating: 1 }));
    bytes[0] = 1;
    // Act
    await runBatch(flow, event(bytes), deps);
    // Assess
    expect(reasons(dead)).toEqual(['DESERIALIZATION_ERROR']);
    expect(dead.records[0]?.headers[DeadLetterHeader.ErrorMessage]).toContain('magic byte');
    expect(dead.records[0]?.value).toEqual(bytes);
  });

  it('dead-letters a Glue record declaring zlib (5) whose body is not zlib, with reason DESERIALIZATION_ERROR', async () => {
    // Prepare
    const registry = new FakeRegistry({ [V1_ID]: { format: 'avro', definition: reviewV1 } });
    const { flow, dead } = flowOn({}, registry);
    // Act
    await runBatch(flow, event(glueBytes(V1_ID, 5, avroBody(reviewV1, { reviewId: 'r', rating: 1 }))), deps);
    // Assess
    expect(reasons(dead)).toEqual(['DESERIALIZATION_ERROR']);
    expect(dead.records[0]?.headers[DeadLetterHeader.ErrorMessage]).toContain('zlib');
  });

  it('dead-letters truncated Avro and lets the whole record of the same batch through', async () => {
    // Prepare
    const registry = new FakeRegistry({ [V1_ID]: { format: 'avro', definition: reviewV1 } });
    const { flow, out, dead } = flowOn({}, registry);
    const whole = glueBytes(V1_ID, 0, avroBody(reviewV1, { reviewId: 'r-long-id', rating: 1 }));
    // Act
    await runBatch(flow, event(whole.subarray(0, whole.length - 3), whole), deps);
    // Assess
    expect(reasons(dead)).toEqual(['DESERIALIZATION_ERROR']);
    expect(out.records.map((r) => r.source.offset)).toEqual([1]);
  });

  it('dead-letters Protobuf whose message index names no message, with reason DESERIALIZATION_ERROR', async () => {
    // Prepare
    const registry = new FakeRegistry({ '9': { format: 'protobuf', definition: reviewProto } });
    const { flow, dead } = flowOn({ registry: confluent, format: 'protobuf' }, registry);
    // Act
    await runBatch(
      flow,
      event(confluentBytes(9, protoBody('Review', { reviewId: 'r', rating: 1 }), [5])),
      deps,
    );
    // Assess
    expect(reasons(dead)).toEqual(['DESERIALIZATION_ERROR']);
    expect(dead.records[0]?.headers[DeadLetterHeader.ErrorMessage]).toContain('message index [5]');
  });

  it('dead-letters a v1 record read under an incompatible v3 reader schema, with reason DESERIALIZATION_ERROR', async () => {
    // Prepare
    const registry = new FakeRegistry({ [V1_ID]: { format: 'avro', definition: reviewV1 } });
    const { flow, out, dead } = flowOn({ schema: reviewV3 }, registry);
    // Act
    await runBatch(flow, event(glueBytes(V1_ID, 0, avroBody(reviewV1, { reviewId: 'r', rating: 1 }))), deps);
    // Assess
    expect(out.records).toEqual([]);
    expect(reasons(dead)).toEqual(['DESERIALIZATION_ERROR']);
    expect(dead.records[0]?.headers[DeadLetterHeader.ErrorMessage]).toContain('reader schema');
  });

  it('dead-letters a JSON Schema record that does not validate', async () => {
    // Prepare
    const registry = new FakeRegistry({ '8': { format: 'json-schema', definition: reviewJsonSchema } });
    const { flow, dead } = flowOn({ registry: confluent, format: 'json-schema' }, registry);
    // Act
    await runBatch(flow, event(confluentBytes(8, Buffer.from('{"reviewId":"r","rating":9}'))), deps);
    // Assess
    expect(reasons(dead)).toEqual(['DESERIALIZATION_ERROR']);
    expect(dead.records[0]?.headers[DeadLetterHeader.ErrorMessage]).toContain('/rating');
  });

  it('fails the batch as retriable when the registry is down, dead-lettering nothing, and reads it once it is back', async () => {
    // Prepare
    const registry = new FakeRegistry({ [V1_ID]: { format: 'avro', definition: reviewV1 } });
    registry.down = true;
    const { flow, out, dead } = flowOn({}, registry);
    const batch = event(glueBytes(V1_ID, 0, avroBody(reviewV1, { reviewId: 'r', rating: 1 })));
    // Act
    const failure = await runBatch(flow, batch, deps).catch((error: unknown) => error);
    registry.down = false;
    await runBatch(flow, batch, deps);
    // Assess
    expect(failure).toBeInstanceOf(BatchFailedError);
    expect((failure as BatchFailedError).cause).toBeInstanceOf(RetriableError);
    expect((failure as BatchFailedError).retriable).toBe(true);
    expect(dead.records).toEqual([]);
    expect(out.records).toHaveLength(1);
  });
});
