// A flow that reads an Avro topic and writes an Avro topic, both on a Glue Schema Registry (moto's server, the same
// one the project runs for S3), producing to the local Kafka broker with the real topic output: as deployed, the
// Glue client and the producer come from the environment. The output is read back from Kafka and decoded with
// avsc directly (not through Sluice's codecs), in the schema version the Glue framing names.
import { GetSchemaVersionCommand, GlueClient } from '@aws-sdk/client-glue';
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaProducer } from '../../../shared/clients/kafka.ts';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { registryDecoding } from '../../../shared/schemas/decoding.ts';
import { registryEncoding } from '../../../shared/schemas/encoding.ts';
import { registerGlueSchema } from '../../../shared/schemas/glue-register.ts';
import { glueRegistry } from '../../../shared/schemas/registry.ts';
import { map } from '../../../shared/steps/map.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { header, readTopic } from '../../support/topics.ts';
import { kafkaEvent } from '../../unit/runtime/kafka-events.ts';
import { avroBody, glueBytes, reviewV1, reviewV2 } from '../../unit/schemas/fixtures.ts';
import { useLocalServers } from '../outputs/support.ts';

useLocalServers();
process.env.SLUICE_GLUE_ENDPOINT = endpoints().s3.endpoint;

const registry = glueRegistry({ name: uniqueName('sluice-encode') });
const names = { orders: uniqueName('orders'), out: uniqueName('orders-v2'), dlq: uniqueName('orders-dlq') };
const glue = new GlueClient(localAws(endpoints().s3.endpoint));
const admin = new Kafka({ brokers: endpoints().kafka.brokers, logLevel: logLevel.NOTHING }).admin();
let v1: string;

beforeAll(async () => {
  v1 = await registerGlueSchema(glue, registry, names.orders, 'avro', reviewV1);
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: names.out, numPartitions: 1 },
      { topic: names.dlq, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
});

afterAll(async () => {
  await admin.disconnect();
  await kafkaProducer().disconnect();
});

describe('a flow writing an Avro topic on the Glue registry (moto, local Kafka)', () => {
  it('writes values the registry names and avsc reads back, registers the declared schema (one version for every record), and dead-letters a misfit', async () => {
    // Prepare
    const topics = defineTopics({
      orders: { name: names.orders, format: 'avro', partitions: 1, registry },
      ordersV2: { name: names.out, format: 'avro', partitions: 1, registry, schema: reviewV2 },
      dlq: { name: names.dlq, format: 'bytes', partitions: 1 },
    });
    const flow = defineFlow({
      name: 'orders-to-v2',
      source: { topic: topics.orders },
      schemas: registryDecoding(topics.orders),
      // A review rated 0 is given a rating its schema cannot carry: content the output must dead-letter.
      steps: [
        map((order) => ({ ...order, channel: 'app', rating: order.rating === 0 ? 'none' : order.rating })),
      ],
      outputs: [toTopic(topics.ordersV2, { encoding: registryEncoding({ register: true }) })],
      deadLetter: toTopic(topics.dlq),
    });
    const deps = { outputFor: (spec: OutputSpec) => spec.create(), ports: {}, now: () => Date.now() };
    const event = (offset: number, value: object) =>
      kafkaEvent([
        {
          topic: names.orders,
          offset,
          key: `r-${offset}`,
          rawValue: glueBytes(v1, 0, avroBody(reviewV1, value)).toString('base64'),
        },
      ]);
    // Act
    await runBatch(flow, event(0, { reviewId: 'r-0', rating: 5 }), deps);
    await runBatch(flow, event(1, { reviewId: 'r-1', rating: 0 }), deps);
    await runBatch(flow, event(2, { reviewId: 'r-2', rating: 2 }), deps);
    const written = await readTopic(names.out);
    const dead = await readTopic(names.dlq);
    // Assess
    const ids = new Set(written.map((m) => m.value?.subarray(2, 18).toString('hex')));
    expect(ids.size).toBe(1);
    const [id] = [...ids].map((hex) => hex?.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'));
    const held = await glue.send(new GetSchemaVersionCommand({ SchemaVersionId: id }));
    const type = avro.Type.forSchema(JSON.parse(held.SchemaDefinition ?? ''));
    expect(
      written.map((m) => ({
        key: String(m.key),
        value: { ...(type.fromBuffer(m.value?.subarray(18) as Buffer) as object) },
      })),
    ).toEqual([
      { key: 'r-0', value: { reviewId: 'r-0', rating: 5, channel: 'app' } },
      { key: 'r-2', value: { reviewId: 'r-2', rating: 2, channel: 'app' } },
    ]);
    expect(held.SchemaArn).toContain(`/${names.out}`);
    expect(written.map((m) => header(m, 'sluice.path'))).toEqual([`${names.orders}/0`, `${names.orders}/0`]);
    expect(
      dead.map((m) => [String(m.key), header(m, DeadLetterHeader.Stage), header(m, DeadLetterHeader.Reason)]),
    ).toEqual([['r-1', 'output', 'DESERIALIZATION_ERROR']]);
  });
});
