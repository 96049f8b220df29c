import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { parseSchemaText } from '../../../shared/schemas/codecs.ts';
import { registryDecoding } from '../../../shared/schemas/decoding.ts';
import { confluentRegistry, glueRegistry } from '../../../shared/schemas/registry.ts';
import { defineFlow } from '../../../shared/topology/flow.ts';
import { defineTopics } from '../../../shared/topology/resources.ts';
import { memoryTopic } from '../runtime/memory-output.ts';

const glue = glueRegistry({ name: 'sluice' });
const thrown = (act: () => unknown): ConfigError => {
  try {
    act();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('registry declarations fail at load time with the path of what is wrong', () => {
  it('names the file and the line of an Avro schema file with a syntax error', () => {
    // Prepare
    const text =
      '{\n  "type": "record",\n  "name": "Order",\n  "fields": [ { "name": "id" "type": "string" } ]\n}';
    // Act
    const error = thrown(() => parseSchemaText('avro', text, 'schemas/orders.avsc'));
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^schemas\/orders\.avsc: is not valid JSON at line 4, column \d+/);
  });

  it('names the file and the line of a .proto file with a syntax error', () => {
    // Act
    const error = thrown(() =>
      parseSchemaText('protobuf', 'syntax = "proto3";\nmessage A {\n  string x = ;\n}\n', 'schemas/a.proto'),
    );
    // Assess
    expect(error.message).toMatch(/^schemas\/a\.proto: is not a valid \.proto schema: .*line 3/);
  });

  it('names the topic path and line of a reader schema with a syntax error', () => {
    // Act
    const error = thrown(() =>
      defineTopics({
        orders: { name: 'orders', format: 'avro', partitions: 1, registry: glue, schema: '{\n"type": }' },
      }),
    );
    // Assess
    expect(error.path).toBe('topics.orders.schema');
    expect(error.message).toContain('line 2');
  });

  it('refuses an avro topic without a registry, and a registry on a json topic', () => {
    // Act
    const missing = thrown(() => defineTopics({ orders: { name: 'orders', format: 'avro', partitions: 1 } }));
    const extra = thrown(() =>
      defineTopics({ orders: { name: 'orders', format: 'json', partitions: 1, registry: glue } }),
    );
    // Assess
    expect(missing.path).toBe('topics.orders.registry');
    expect(extra.path).toBe('topics.orders.registry');
  });

  it('refuses registry options that are not valid', () => {
    // Act
    const name = thrown(() => glueRegistry({ name: 'no spaces allowed' }));
    const url = thrown(() => confluentRegistry({ url: 'ftp://registry' }));
    const auth = thrown(() => confluentRegistry({ url: 'https://r', auth: { username: 'u' } as never }));
    // Assess
    expect([name.path, url.path, auth.path]).toEqual([
      'glueRegistry.name',
      'confluentRegistry.url',
      'confluentRegistry.auth',
    ]);
  });

  it('refuses a flow that reads a registry topic without registryDecoding', () => {
    // Prepare
    const topics = defineTopics({
      orders: { name: 'orders', format: 'avro', partitions: 1, registry: glue },
      dead: { name: 'orders.dlq', format: 'bytes', partitions: 1 },
    });
    // Act
    const error = thrown(() =>
      defineFlow({
        name: 'f',
        source: { topic: topics.orders },
        outputs: [memoryTopic(topics.dead)],
        deadLetter: memoryTopic(topics.dead),
      }),
    );
    // Assess
    expect(error.path).toBe('flows.f.schemas');
  });

  it('refuses a reader .proto with a syntax error when the decoding is made', () => {
    // Prepare
    const topics = defineTopics({
      orders: { name: 'orders', format: 'protobuf', partitions: 1, registry: glue, schema: 'message {' },
    });
    // Act
    const error = thrown(() => registryDecoding(topics.orders));
    // Assess
    expect(error.path).toBe('topics.orders.schema');
  });
});
