import { describe, expect, it } from 'vitest';
import { topics } from '../../../functions/resources.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { lakeColumnsOf } from '../../../shared/schemas/lake-columns.ts';
import { glueRegistry } from '../../../shared/schemas/registry.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';

/** An Avro topic on a Glue registry whose declared schema is a record with these fields. */
const topicWith = (fields: readonly unknown[]) =>
  defineTopics({
    t: {
      name: 'orders.test',
      format: 'avro',
      partitions: 1,
      registry: glueRegistry({ name: 'sluice' }),
      schema: JSON.stringify({ type: 'record', name: 'T', namespace: 'shop', fields }),
    },
  }).t;

describe('lake columns derived from an Avro schema', () => {
  it('gives the reference orders one column per top-level field, in schema order, lines as JSON', () => {
    // Act
    const columns = lakeColumnsOf(topics.orders);
    // Assess
    expect(Object.entries(columns)).toEqual([
      ['orderId', 'STRING'],
      ['customerId', 'STRING'],
      ['orderTime', 'TIMESTAMP'],
      ['status', 'STRING'],
      ['currency', 'STRING'],
      ['lines', 'JSON'],
      ['totalCents', 'INT64'],
      ['couponCode', 'STRING'],
    ]);
  });

  it('maps every primitive, nullable unions, logical types and named types by the lake column that holds them', () => {
    // Prepare
    const topic = topicWith([
      { name: 'flag', type: 'boolean' },
      { name: 'count', type: 'int' },
      { name: 'big', type: 'long' },
      { name: 'ratio', type: 'float' },
      { name: 'score', type: ['null', 'double'] },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'atMicros', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
      { name: 'kindAgain', type: 'shop.Kind' },
      {
        name: 'address',
        type: { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }] },
      },
      { name: 'previous', type: ['null', 'Address'] },
      { name: 'tags', type: { type: 'map', values: 'string' } },
      { name: 'either', type: ['null', 'string', 'long'] },
    ]);
    // Act
    const columns = lakeColumnsOf(topic);
    // Assess
    expect(columns).toEqual({
      flag: 'BOOLEAN',
      count: 'INT32',
      big: 'INT64',
      ratio: 'DOUBLE',
      score: 'DOUBLE',
      at: 'TIMESTAMP',
      atMicros: 'INT64',
      day: 'INT32',
      id: 'STRING',
      kind: 'STRING',
      kindAgain: 'STRING',
      address: 'JSON',
      previous: 'JSON',
      tags: 'JSON',
      either: 'JSON',
    });
  });

  it.each([
    ['bytes', { name: 'raw', type: 'bytes' }, 'raw'],
    [
      'decimal',
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      'amount',
    ],
    ['fixed', { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 16 } }, 'hash'],
    ['bytes inside a union of several', { name: 'mixed', type: ['null', 'string', 'bytes'] }, 'mixed[1]'],
  ])('refuses %s at load time, naming the field', (_, field, where) => {
    // Act
    const derive = () => lakeColumnsOf(topicWith([field]));
    // Assess
    expect(derive).toThrow(ConfigError);
    expect(derive).toThrow(`topics.orders.test.schema.${where}`);
  });

  it('refuses a topic without a declared Avro schema', () => {
    // Prepare
    const json = defineTopics({ j: { name: 'plain.json', format: 'json', partitions: 1 } }).j;
    // Act
    const derive = () => lakeColumnsOf(json);
    // Assess
    expect(derive).toThrow('topics.plain.json.schema: lake columns are derived from a declared Avro schema');
  });
});
