import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { registryDecoding } from '../../../shared/schemas/decoding.ts';
import { registryEncoding } from '../../../shared/schemas/encoding.ts';
import { confluentRegistry, glueRegistry } from '../../../shared/schemas/registry.ts';
import {
  defineFlow,
  defineTopics,
  defineTopology,
  type Flow,
  type Topology,
} from '../../../shared/topology/index.ts';
import { mskContext } from './fixtures/topology.ts';
import { resourcesOf, type Synthesized, synthesize } from './support.ts';

const registrySecret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf';
const topics = defineTopics({
  orders: { name: 'orders', format: 'avro', partitions: 1, registry: glueRegistry({ name: 'sluice' }) },
  ordersKeyed: {
    name: 'orders.keyed',
    format: 'avro',
    keyFormat: 'avro',
    partitions: 1,
    registry: glueRegistry({ name: 'sluice' }),
  },
  payments: {
    name: 'payments',
    format: 'avro',
    partitions: 1,
    registry: confluentRegistry({ url: 'https://registry.example.com', auth: { secret: registrySecret } }),
  },
  decoded: { name: 'decoded', format: 'json', partitions: 1, internal: true },
  ordersOut: {
    name: 'orders.out',
    format: 'avro',
    partitions: 1,
    internal: true,
    registry: glueRegistry({ name: 'sluice' }),
    schema: JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] }),
  },
  paymentsOut: {
    name: 'payments.out',
    format: 'avro',
    partitions: 1,
    internal: true,
    registry: confluentRegistry({ url: 'https://registry.example.com', auth: { secret: registrySecret } }),
    schema: JSON.stringify({ type: 'record', name: 'Payment', fields: [{ name: 'id', type: 'string' }] }),
  },
  ordersV2: {
    name: 'orders.v2',
    format: 'json-schema',
    partitions: 1,
    internal: true,
    registry: glueRegistry({ name: 'sluice' }),
    schema: JSON.stringify({ type: 'object' }),
  },
  deadLetters: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});

/** A flow reading a registry topic with the runtime's own defineFlow, on demand unless provisioned. */
const registryFlow = (
  name: string,
  topic: (typeof topics)['orders'],
  where: 'function' | 'mapping',
  provisioned: boolean,
): Flow =>
  defineFlow({
    name,
    source: { topic, ...(provisioned ? { provisionedPollers: { minimum: 1, maximum: 2 } } : {}) },
    schemas: registryDecoding(topic, { where }),
    steps: [],
    outputs: [toTopic(topics.decoded)],
    deadLetter: toTopic(topics.deadLetters),
  });

const topologyOf = (flows: readonly Flow[]): Topology => defineTopology({ topics, flows: [...flows] });

/** A flow writing registry topics: on Glue, one output looks its schema up, the other registers it; one on Confluent. */
const writerFlow = defineFlow({
  name: 'glue-writer',
  source: { topic: topics.decoded },
  steps: [],
  outputs: [
    toTopic(topics.ordersOut, { encoding: registryEncoding() }),
    toTopic(topics.ordersV2, { encoding: registryEncoding({ schemaName: 'orders-v2', register: true }) }),
    toTopic(topics.paymentsOut, { encoding: registryEncoding() }),
  ],
  deadLetter: toTopic(topics.deadLetters),
});

const topology = topologyOf([
  writerFlow,
  registryFlow('glue-in-function', topics.orders, 'function', false),
  registryFlow('glue-in-mapping', topics.ordersKeyed, 'mapping', true),
  registryFlow('confluent-in-function', topics.payments, 'function', false),
]);

let synth: Synthesized;
let flows: Template;

beforeAll(() => {
  synth = synthesize(topology, mskContext);
  flows = synth.templates.get('SluiceFlows')!;
}, 120_000);

/** A flow's construct id as CDK spells its logical ids: glue-in-function → GlueInFunction. */
const pascal = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };
const statementsOf = (flow: string): Statement[] =>
  resourcesOf(flows, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(pascal(flow)))
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
/** The mapping's MSK settings (its consumer group and, when set, its SchemaRegistryConfig). */
const mappingOf = (group: string): Record<string, unknown> => {
  const configs = resourcesOf(flows, 'AWS::Lambda::EventSourceMapping').map(
    ([, m]) => m.AmazonManagedKafkaEventSourceConfig as Record<string, unknown>,
  );
  const config = configs.find((c) => c.ConsumerGroupId === group);
  if (config === undefined) throw new Error(`no mapping with consumer group ${group}`);
  return config;
};
const text = (value: unknown): string => JSON.stringify(value);

describe('schema registries in the CDK app', () => {
  it('passes cdk-nag', () => {
    expect(synth.findings).toEqual([]);
  });

  it('grants in-function Glue decoding GetSchemaVersion and GetSchemaByDefinition on the registry and its schemas only', () => {
    // Act
    const glue = statementsOf('glue-in-function').filter((s) => text(s.Action).includes('glue:'));
    // Assess
    expect(glue).toHaveLength(1);
    expect([glue[0]?.Action].flat().sort()).toEqual(['glue:GetSchemaByDefinition', 'glue:GetSchemaVersion']);
    expect(text(glue[0]?.Resource)).toContain(':registry/sluice');
    expect(text(glue[0]?.Resource)).toContain(':schema/sluice/*');
    expect(text(glue[0]?.Resource)).not.toContain('"*"');
    expect(mappingOf('sluice-glue-in-function').SchemaRegistryConfig).toBeUndefined();
  });

  it("gives a provisioned mapping its own SchemaRegistryConfig (JSON, key and value) with AWS's documented grants", () => {
    // Act
    const mapping = mappingOf('sluice-glue-in-mapping');
    const actions = statementsOf('glue-in-mapping').flatMap((s) => [s.Action].flat());
    // Assess
    expect(mapping.SchemaRegistryConfig).toMatchObject({
      EventRecordFormat: 'JSON',
      SchemaValidationConfigs: [{ Attribute: 'VALUE' }, { Attribute: 'KEY' }],
    });
    expect(text(mapping.SchemaRegistryConfig)).toContain(':registry/sluice');
    expect(actions).toEqual(expect.arrayContaining(['glue:GetRegistry', 'glue:GetSchemaVersion']));
    expect(actions).not.toContain('glue:GetSchemaByDefinition');
  });

  it("grants in-function Confluent decoding the credentials' secret and no Glue action", () => {
    // Act
    const statements = statementsOf('confluent-in-function');
    // Assess
    expect(statements.filter((s) => text(s.Action).includes('glue:'))).toEqual([]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: registrySecret }),
    );
  });

  it('grants a flow writing registry topics GetSchemaByDefinition on its one Glue schema, registering only where asked, and a Confluent registry secret', () => {
    // Act
    const glue = statementsOf('glue-writer').filter((s) => text(s.Action).includes('glue:'));
    // Assess
    expect(glue.map((s) => [[s.Action].flat().sort(), text(s.Resource)])).toEqual([
      [
        ['glue:GetSchemaByDefinition'],
        expect.stringMatching(/:registry\/sluice".*:schema\/sluice\/orders\.out"/),
      ],
      [
        [
          'glue:CreateRegistry',
          'glue:CreateSchema',
          'glue:GetSchemaByDefinition',
          'glue:RegisterSchemaVersion',
        ],
        expect.stringMatching(/:registry\/sluice".*:schema\/sluice\/orders-v2"/),
      ],
    ]);
    expect(statementsOf('glue-writer')).toContainEqual(
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: registrySecret }),
    );
  });

  it("refuses the mapping's SchemaRegistryConfig on a mapping that is not provisioned, naming the flow", () => {
    // Prepare
    const onDemand = topologyOf([
      writerFlow,
      registryFlow('mapping-on-demand', topics.orders, 'mapping', false),
    ]);
    // Act
    const act = () => synthesize(onDemand, mskContext);
    // Assess
    expect(act).toThrow(/flows\.mapping-on-demand\.schemas: .*provisioned mode only/);
  }, 60_000);
});
