import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { SchemaDecoding } from '../shared/decode/formats.ts';
import { ConfigError } from '../shared/errors.ts';
import type { OutputSpec } from '../shared/outputs/spec.ts';
import type { TopicOutputSpec } from '../shared/outputs/topic.ts';
import type { RegistryDecoding } from '../shared/schemas/decoding.ts';
import type { RegistryRef } from '../shared/schemas/registry.ts';
import { acknowledge, renderedForNag } from './nag.ts';

/** What the CDK app needs of a flow's registry decoding (`registryDecoding(topic)`): plain data. */
export interface DeploySchemas {
  readonly registry: RegistryRef;
  readonly where: 'function' | 'mapping';
  readonly eventRecordFormat?: 'JSON' | 'SOURCE';
  /** Keys framed by the registry too (validated by the mapping as well as values). */
  readonly registryKeys: boolean;
}

export const deploySchemas = (decoding: SchemaDecoding): DeploySchemas => {
  const d = decoding as RegistryDecoding;
  return {
    registry: d.registry,
    where: d.where,
    ...(d.eventRecordFormat === undefined ? {} : { eventRecordFormat: d.eventRecordFormat }),
    registryKeys: d.keyFormat !== undefined && d.keyFormat !== 'string',
  };
};

const glueArns = (scope: Construct, registry: { name: string; region?: string }) => {
  const stack = Stack.of(scope);
  const region = registry.region ?? stack.region;
  const base = `arn:${stack.partition}:glue:${region}:${stack.account}`;
  return { registry: `${base}:registry/${registry.name}`, schemas: `${base}:schema/${registry.name}/*` };
};

/** A secret given by ARN or by name (Secrets Manager appends six characters to a name in its ARN). */
const secretArn = (scope: Construct, secret: string): string => {
  if (secret.startsWith('arn:')) return secret;
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${secret}-??????`;
};

/**
 * The function's grants for decoding in the function: on Glue, `glue:GetSchemaVersion` (writer schemas by id) and
 * `glue:GetSchemaByDefinition` (an output's declared schema) on the registry and its schemas, nothing else; on a
 * Confluent-compatible registry, reading its credentials' secret. With the mapping deserialising to JSON the
 * function calls no registry and gets nothing (the mapping's own grants come with its SchemaRegistryConfig).
 */
export const schemaStatements = (
  scope: Construct,
  flowName: string,
  schemas: DeploySchemas,
): iam.PolicyStatement[] => {
  if (schemas.where === 'mapping' && schemas.eventRecordFormat !== 'SOURCE') return [];
  const sid = (what: string) => `${what}${flowName.replace(/[^A-Za-z0-9]/g, '')}`;
  const { registry } = schemas;
  if (registry.type === 'glue') {
    const arns = glueArns(scope, registry);
    return [
      new iam.PolicyStatement({
        sid: sid('SchemaRegistryRead'),
        actions: ['glue:GetSchemaVersion', 'glue:GetSchemaByDefinition'],
        resources: [arns.registry, arns.schemas],
      }),
    ];
  }
  const auth = registry.auth;
  if (auth === undefined) return [];
  if (!('secret' in auth))
    throw new ConfigError(
      `flows.${flowName}.schemas`,
      'a Confluent registry with credentials in the clear is for local use only: deploy with auth: { secret }',
    );
  return [
    new iam.PolicyStatement({
      sid: sid('SchemaRegistrySecret'),
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secretArn(scope, auth.secret)],
    }),
  ];
};

/**
 * The function's grants for topic outputs that write a registry topic (`registryEncoding`). Glue:
 * GetSchemaByDefinition on the registry and the one schema the output writes; with `register: true`, also
 * RegisterSchemaVersion, CreateSchema and CreateRegistry on the same two ARNs (what registering calls). Confluent:
 * reading its credentials' secret (credentials in the clear are refused, as for decoding).
 */
export const encodingStatements = (
  scope: Construct,
  flowName: string,
  outputs: readonly OutputSpec[],
): iam.PolicyStatement[] =>
  outputs.flatMap((output, i) => {
    const encoding = (output as TopicOutputSpec).encoding;
    if (encoding === undefined) return [];
    const sid = `SchemaRegistryWrite${flowName.replace(/[^A-Za-z0-9]/g, '')}${i}`;
    const { registry, schemaName } = encoding;
    if (registry.type === 'confluent') {
      const auth = registry.auth;
      if (auth === undefined) return [];
      if (!('secret' in auth))
        throw new ConfigError(
          `flows.${flowName}.outputs[${i}].encoding`,
          'a Confluent registry with credentials in the clear is for local use only: deploy with auth: { secret }',
        );
      return [
        new iam.PolicyStatement({
          sid,
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArn(scope, auth.secret)],
        }),
      ];
    }
    const stack = Stack.of(scope);
    const base = `arn:${stack.partition}:glue:${registry.region ?? stack.region}:${stack.account}`;
    return [
      new iam.PolicyStatement({
        sid,
        actions: [
          'glue:GetSchemaByDefinition',
          ...(encoding.register
            ? ['glue:RegisterSchemaVersion', 'glue:CreateSchema', 'glue:CreateRegistry']
            : []),
        ],
        resources: [`${base}:registry/${registry.name}`, `${base}:schema/${registry.name}/${schemaName}`],
      }),
    ];
  });

/**
 * The mapping's own `SchemaRegistryConfig` (CDK's GlueSchemaRegistry / ConfluentSchemaRegistry, which add the
 * grants AWS documents: `glue:GetRegistry` and `glue:GetSchemaVersion`, or reading the secret). AWS supports it in
 * provisioned mode only: anything else is a synth error naming the flow.
 */
export const mappingSchemaRegistry = (
  scope: Construct,
  flowName: string,
  schemas: DeploySchemas,
  provisioned: boolean,
): lambda.ISchemaRegistry | undefined => {
  if (schemas.where !== 'mapping') return undefined;
  const path = `flows.${flowName}.schemas`;
  if (!provisioned)
    throw new ConfigError(
      path,
      "where: 'mapping' uses the event-source mapping's SchemaRegistryConfig, which AWS supports in provisioned mode only: set source.provisionedPollers, or decode in the function (the default)",
    );
  const common = {
    eventRecordFormat:
      schemas.eventRecordFormat === 'SOURCE'
        ? lambda.EventRecordFormat.SOURCE
        : lambda.EventRecordFormat.JSON,
    schemaValidationConfigs: [
      { attribute: lambda.KafkaSchemaValidationAttribute.VALUE },
      ...(schemas.registryKeys ? [{ attribute: lambda.KafkaSchemaValidationAttribute.KEY }] : []),
    ],
  };
  const { registry } = schemas;
  if (registry.type === 'glue')
    return new sources.GlueSchemaRegistry({
      ...common,
      schemaRegistryArn: glueArns(scope, registry).registry,
    });
  const auth = registry.auth;
  if (auth === undefined || !('secret' in auth))
    throw new ConfigError(
      path,
      'the mapping reaches a Confluent registry with basic auth from a secret: set auth: { secret }',
    );
  return new sources.ConfluentSchemaRegistry({
    ...common,
    schemaRegistryUri: registry.url,
    authenticationType: lambda.KafkaSchemaRegistryAccessConfigType.BASIC_AUTH,
    secret: auth.secret.startsWith('arn:')
      ? secretsmanager.Secret.fromSecretCompleteArn(scope, 'SchemaRegistrySecret', auth.secret)
      : secretsmanager.Secret.fromSecretNameV2(scope, 'SchemaRegistrySecret', auth.secret),
  });
};

/**
 * cdk-nag's IAM5 on the registry's schemas: writer schemas are named by the producers (one Glue schema per subject,
 * any version), so the grant ends in `schema/<registry>/*`, within the one registry.
 */
export const acknowledgeSchemaRegistry = (scope: Construct, schemas: DeploySchemas): void => {
  const { registry } = schemas;
  if (registry.type !== 'glue') return;
  const reason =
    'Writer schemas are named by the producing teams (one Glue schema per subject, any version); the grant is limited to the one registry the topic declares.';
  if (schemas.where === 'function' || schemas.eventRecordFormat === 'SOURCE') {
    const stack = Stack.of(scope);
    acknowledge(
      scope,
      `AwsSolutions-IAM5[Resource::${renderedForNag(stack, glueArns(scope, registry).schemas)}]`,
      reason,
    );
  }
  if (schemas.where === 'mapping') {
    // As CDK's GlueSchemaRegistry writes it (Fn::Sub), and cdk-nag renders it.
    const sub = `["arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:schema/\${registryName}/*",{"registryName":"${registry.name}"}]`;
    acknowledge(scope, `AwsSolutions-IAM5[Resource::${sub}]`, reason);
  }
};
