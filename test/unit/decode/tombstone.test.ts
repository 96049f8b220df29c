import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { flow as searchSink } from '../../../functions/search-sink.ts';
import { decodeBatch } from '../../../shared/decode/decode-batch.ts';
import { envelopeLine } from '../../../shared/outputs/lake-objects.ts';
import type { SearchClient } from '../../../shared/outputs/search-writer.ts';
import { planTableWrites } from '../../../shared/outputs/table-items.ts';
import { isTombstone } from '../../../shared/record.ts';
import { validate } from '../../../shared/steps/validate.ts';
import * as z from '../../../shared/zod.ts';
import { kafkaEvent } from '../runtime/kafka-events.ts';
import { stepContext } from '../runtime/records.ts';

/** A fake OpenSearch client (no server needed to see which bulk actions the sink sends): records every body. */
const bulkBodies: string[] = [];
const fakeSearch: SearchClient = {
  bulk: (async ({ body }: { body: unknown }) => {
    const lines = String(body)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    bulkBodies.push(String(body));
    const items = lines
      .filter((l) => l.index || l.delete)
      .map((l) => (l.index ? { index: { status: 201 } } : { delete: { status: 200 } }));
    return { body: { errors: false, items } };
  }) as never,
  indices: { exists: (async () => ({ body: true })) as never, create: (async () => ({})) as never },
};
vi.mock('../../../shared/clients/opensearch.ts', () => ({ openSearchClient: () => fakeSearch }));

/** A Kafka null value (a tombstone) and the 4 bytes `null` (a JSON null value), both keyed c1. */
const decodeBoth = (topic = 'customers.cdc') =>
  decodeBatch(
    kafkaEvent([
      { topic, offset: 1, key: 'c1', value: null },
      { topic, offset: 2, key: 'c1', value: 'null' },
    ]),
    { formats: { [topic]: 'json' } },
  ).records;

describe('a tombstone is a Kafka null value, never the JSON value null', () => {
  it('decodes the 4 bytes null on a json topic as a JSON null that is not a tombstone', () => {
    // Act
    const [tombstone, jsonNull] = decodeBoth();
    // Assess
    expect(tombstone?.value).toBeNull();
    expect(isTombstone(tombstone!)).toBe(true);
    expect(jsonNull?.value).toBeNull();
    expect(jsonNull?.source.value?.toString()).toBe('null');
    expect(isTombstone(jsonNull!)).toBe(false);
  });

  it('deletes the table item on a tombstone and dead-letters a JSON null instead of deleting the customer', () => {
    // Prepare
    const [tombstone, jsonNull] = decodeBoth();
    const options = {
      key: { partition: 'customerId' },
      item: (r: { value: unknown }) => r.value as Record<string, unknown>,
      tombstones: 'delete' as const,
    };
    // Act
    const fromTombstone = planTableWrites([tombstone!], options, marshall);
    const fromJsonNull = planTableWrites([jsonNull!], options, marshall);
    // Assess
    expect(unmarshall(fromTombstone.writes[0]?.request.DeleteRequest?.Key ?? {})).toEqual({
      customerId: 'c1',
    });
    expect(fromJsonNull.writes).toEqual([]);
    expect(fromJsonNull.rejected[0]?.[1].message).toBe('the table item must be an object');
  });

  it('validates a JSON null against the schema even when tombstones pass unvalidated', async () => {
    // Prepare
    const [tombstone, jsonNull] = decodeBoth();
    const step = validate(z.object({ customerId: z.string() }));
    // Act
    const result = await step.run([tombstone!, jsonNull!], stepContext());
    // Assess
    expect(result.records).toEqual([tombstone]);
    expect(result.deadLetters.map((d) => d.record.source.offset)).toEqual([2]);
  });

  it('makes the search sink delete the document a tombstone names by its key, and dead-letter a JSON null', async () => {
    // Prepare
    bulkBodies.length = 0;
    const [tombstone, jsonNull] = decodeBoth('reviews.enriched');
    const [spec] = searchSink.outputs;
    const output = spec!.create();
    // Act
    const result = await output.write([tombstone!, jsonNull!], { flowName: searchSink.name });
    // Assess
    expect(bulkBodies.join('')).toBe(`${JSON.stringify({ delete: { _id: 'c1' } })}\n`);
    expect(result.written).toBe(1);
    expect(result.deadLetters.map((d) => [d.record.source.offset, d.error.message])).toEqual([
      [2, 'the document must be a JSON object'],
    ]);
  });

  it('marks a tombstone in the lake envelope, and writes a JSON null as a plain null value', () => {
    // Prepare
    const [tombstone, jsonNull] = decodeBoth();
    // Act
    const lines = [envelopeLine(tombstone!), envelopeLine(jsonNull!)];
    // Assess
    expect(lines).toMatchObject([
      { offset: 1, value: null, tombstone: true },
      { offset: 2, value: null },
    ]);
    expect(lines[1]).not.toHaveProperty('tombstone');
  });
});
