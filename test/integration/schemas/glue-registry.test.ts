// The Glue Schema Registry as moto's server implements it (the same server the project runs for S3): schemas are
// registered with @aws-sdk/client-glue, records framed as AWS's SerDe frames them, and a flow decodes them with
// its real Glue source (GetSchemaVersion), as deployed.
import { deflateSync } from 'node:zlib';
import { GlueClient } from '@aws-sdk/client-glue';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeader } from '../../../shared/dead-letter.ts';
import { ConfigError, RetriableError } from '../../../shared/errors.ts';
import { BatchFailedError, runBatch } from '../../../shared/handler/run-batch.ts';
import type { OutputSpec } from '../../../shared/outputs/spec.ts';
import { glueEncoding } from '../../../shared/schemas/encoding.ts';
import { registerGlueSchema } from '../../../shared/schemas/glue-register.ts';
import { glueRegistry } from '../../../shared/schemas/registry.ts';
import { glueSource } from '../../../shared/schemas/sources.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { kafkaEvent } from '../../unit/runtime/kafka-events.ts';
import { avroBody, glueBytes, readingFlow, reviewV1, reviewV2 } from '../../unit/schemas/fixtures.ts';

const deps = { outputFor: (spec: OutputSpec) => spec.create(), ports: {}, now: () => Date.now() };
let glue: GlueClient;
const registry = glueRegistry({ name: uniqueName('sluice-registry') });
let v1: string;
let v2: string;

const flowReading = (client: GlueClient, reader?: string) =>
  readingFlow(
    { registry, ...(reader ? { schema: reader } : {}) },
    glueSource(registry, Promise.resolve(client)),
  );

const event = (...values: Buffer[]) =>
  kafkaEvent(values.map((v, i) => ({ topic: 'reviews', offset: i, rawValue: v.toString('base64') })));

beforeAll(async () => {
  glue = new GlueClient(localAws(endpoints().s3.endpoint));
  v1 = await registerGlueSchema(glue, registry, 'reviews-value', 'avro', reviewV1);
  v2 = await registerGlueSchema(glue, registry, 'reviews-value', 'avro', reviewV2);
});

describe('Avro through the Glue Schema Registry (moto)', () => {
  it('registers a definition once: registering it again answers the same version id', async () => {
    // Act
    const again = await registerGlueSchema(glue, registry, 'reviews-value', 'avro', reviewV1);
    // Assess
    expect(again).toBe(v1);
    expect(v2).not.toBe(v1);
  });

  it('decodes records written with v1 and v2 (zlib and not) as the v2 reader schema', async () => {
    // Prepare
    const { flow, out, dead } = flowReading(glue, reviewV2);
    // Act
    await runBatch(
      flow,
      event(
        glueBytes(v1, 0, avroBody(reviewV1, { reviewId: 'r-1', rating: 5 })),
        glueBytes(v2, 5, deflateSync(avroBody(reviewV2, { reviewId: 'r-2', rating: 2, channel: 'app' }))),
      ),
      deps,
    );
    // Assess
    expect(dead.records).toEqual([]);
    expect(out.records.map((r) => ({ ...(r.value as object) }))).toEqual([
      { reviewId: 'r-1', rating: 5, channel: 'web' },
      { reviewId: 'r-2', rating: 2, channel: 'app' },
    ]);
  });

  it('dead-letters a record naming a schema version the registry does not hold, with SCHEMA_NOT_FOUND', async () => {
    // Prepare
    const { flow, out, dead } = flowReading(glue);
    // Act
    await runBatch(
      flow,
      event(
        glueBytes(
          '0badc0de-0000-4000-8000-000000000000',
          0,
          avroBody(reviewV1, { reviewId: 'r', rating: 1 }),
        ),
      ),
      deps,
    );
    // Assess
    expect(out.records).toEqual([]);
    expect(dead.records.map((r) => r.headers[DeadLetterHeader.Reason])).toEqual(['SCHEMA_NOT_FOUND']);
  });

  it('fails the batch as retriable, dead-lettering nothing, when the registry cannot be reached', async () => {
    // Prepare
    const unreachable = new GlueClient({ ...localAws('http://127.0.0.1:1'), maxAttempts: 1 });
    const { flow, out, dead } = flowReading(unreachable);
    // Act
    const failure = await runBatch(
      flow,
      event(glueBytes(v1, 0, avroBody(reviewV1, { reviewId: 'r', rating: 1 }))),
      deps,
    ).catch((error: unknown) => error);
    // Assess
    expect(failure).toBeInstanceOf(BatchFailedError);
    expect((failure as BatchFailedError).cause).toBeInstanceOf(RetriableError);
    expect([out.records, dead.records]).toEqual([[], []]);
  });
});

describe('encoding with a declared schema on the Glue registry (moto)', () => {
  it('looks the declared schema up by definition and frames values the decoder reads back; a value that does not fit is refused', async () => {
    // Prepare
    const encoder = glueEncoding(registry, 'avro', reviewV2, {
      schemaName: 'reviews-value',
      client: Promise.resolve(glue),
    });
    const { flow, out } = flowReading(glue, reviewV2);
    // Act
    await encoder.ready();
    const bytes = encoder.encode({ reviewId: 'r-9', rating: 4, channel: 'shop' });
    const misfit = (() => {
      try {
        return encoder.encode({ reviewId: 'r-9', rating: 'four' });
      } catch (error) {
        return error;
      }
    })();
    await runBatch(flow, event(bytes), deps);
    // Assess
    expect(bytes.subarray(2, 18).toString('hex')).toBe(v2.replaceAll('-', ''));
    expect({ ...(out.records[0]?.value as object) }).toEqual({ reviewId: 'r-9', rating: 4, channel: 'shop' });
    expect((misfit as { reason?: string }).reason).toBe('DESERIALIZATION_ERROR');
  });

  it('refuses a declared schema the registry does not hold unless registering is asked for', async () => {
    // Prepare
    const v4 = JSON.stringify({
      ...JSON.parse(reviewV2),
      fields: [...JSON.parse(reviewV2).fields, { name: 'x', type: 'int', default: 0 }],
    });
    const lookup = glueEncoding(registry, 'avro', v4, {
      schemaName: 'reviews-value',
      client: Promise.resolve(glue),
    });
    const registering = glueEncoding(registry, 'avro', v4, {
      schemaName: 'reviews-value',
      register: true,
      client: Promise.resolve(glue),
    });
    // Act
    const refused = await lookup.ready().catch((error: unknown) => error);
    await registering.ready();
    // Assess
    expect(refused).toBeInstanceOf(ConfigError);
    expect(registering.encode({ reviewId: 'r', rating: 1, channel: 'web', x: 2 })[0]).toBe(3);
  });
});
