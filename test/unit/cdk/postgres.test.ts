import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../cdk/bundling.ts';
import { readSettings } from '../../../cdk/context.ts';
import { toPostgres } from '../../../shared/outputs/postgres.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import { defineFlow, defineTopics, defineTopology, type Topology } from '../../../shared/topology/index.ts';
import { mskContext } from './fixtures/topology.ts';
import { cfnLint, resourcesOf, type Synthesized, synthesize } from './support.ts';

const topics = defineTopics({
  reviewsEnriched: { name: 'reviews.enriched', format: 'json', partitions: 3 },
  deadLetters: { name: 'dead-letters', format: 'bytes', partitions: 1, internal: true },
});

/** The reviews-mart flow of the reference topology, as its CDK fixture. */
const topology: Topology = defineTopology({
  topics,
  flows: [
    defineFlow({
      name: 'reviews-mart',
      source: { topic: topics.reviewsEnriched },
      steps: [],
      outputs: [toPostgres({ table: 'review_facts', key: 'review_id' })],
      deadLetter: toTopic(topics.deadLetters),
    }),
  ],
});

const existingProxy = {
  ...mskContext,
  'sluice:postgres.endpoint': 'mart.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com',
  'sluice:postgres.database': 'mart',
  'sluice:postgres.auth': 'secret',
  'sluice:postgres.secretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mart-AbCdEf',
  'sluice:postgres.secretKeyArn':
    'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  'sluice:postgres.securityGroupId': 'sg-0fedcba9876543210',
};

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOf = (template: Template): Statement[] =>
  resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith('ReviewsMart'))
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
const text = (value: unknown): string => JSON.stringify(value);
const functionOf = (template: Template) => {
  const [fn] = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('ReviewsMart'));
  return fn?.[1] as {
    Environment: { Variables: Record<string, unknown> };
    VpcConfig: { SecurityGroupIds: unknown[] };
  };
};

/** The alarms on one output's own metrics (those with an `output` dimension): [alarm name, metric, output]. */
const perOutputAlarms = (template: Template): string[][] =>
  resourcesOf(template, 'AWS::CloudWatch::Alarm')
    .map(
      ([, alarm]) =>
        alarm as { AlarmName: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] },
    )
    .filter((alarm) => alarm.Dimensions?.some((d) => d.Name === 'output'))
    .map((a) => [a.AlarmName, a.MetricName, a.Dimensions?.find((d) => d.Name === 'output')?.Value ?? ''])
    .sort();

describe('a toPostgres flow in the CDK app, with the database it creates', () => {
  let synth: Synthesized;
  let data: Template;
  let flows: Template;
  beforeAll(() => {
    synth = synthesize(topology, mskContext);
    data = synth.templates.get('SluiceData')!;
    flows = synth.templates.get('SluiceFlows')!;
  }, 120_000);

  it('passes cdk-nag, and cfn-lint reports no errors', async () => {
    expect(synth.findings).toEqual([]);
    const matches = await cfnLint([...synth.templateFiles.values()]);
    expect(matches.filter((m) => m.Level === 'Error').map((m) => `${m.Rule.Id} ${m.Message}`)).toEqual([]);
  }, 60_000);

  it('creates an encrypted Aurora PostgreSQL cluster with IAM auth behind an RDS Proxy that requires TLS and IAM', () => {
    // Assess
    data.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      EnableIAMDatabaseAuthentication: true,
      DatabaseName: 'mart',
    });
    data.hasResourceProperties('AWS::RDS::DBProxy', {
      EngineFamily: 'POSTGRESQL',
      RequireTLS: true,
      Auth: [{ AuthScheme: 'SECRETS', IAMAuth: 'REQUIRED' }],
    });
  });

  it('admits only the flows’ security group to the proxy, and only the proxy and the schema provisioner to the cluster', () => {
    // Assess
    const ingress = resourcesOf(data, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r);
    const toProxy = ingress.filter((r) => text(r.GroupId).includes('MartProxyGroup'));
    expect(toProxy).toHaveLength(1);
    expect(text(toProxy[0]?.SourceSecurityGroupId)).toContain('Flows');
    const toCluster = ingress.filter((r) => text(r.GroupId).includes('MartCluster'));
    expect(toCluster.map((r) => text(r.SourceSecurityGroupId)).sort()).toEqual([
      expect.stringContaining('MartProxyGroup'),
      expect.stringContaining('MartSchemaGroup'),
    ]);
  });

  it("gives the proxy only the flows' user's secret: the administrator is another user, whose secret the proxy never holds", () => {
    // Act
    const [[, proxy]] = resourcesOf(data, 'AWS::RDS::DBProxy') as [
      [string, { Auth: { SecretArn: unknown }[] }],
    ];
    const secrets = resourcesOf(data, 'AWS::SecretsManager::Secret').map(([id, s]) => [
      id,
      JSON.parse((s.GenerateSecretString as { SecretStringTemplate: string }).SecretStringTemplate),
    ]);
    // Assess
    expect(proxy?.Auth.map((a) => text(a.SecretArn))).toEqual([
      expect.stringContaining('MartFlowUserSecret'),
    ]);
    expect(secrets).toEqual(
      expect.arrayContaining([
        [expect.stringMatching(/^MartFlowUserSecret/), { username: 'sluice_mart' }],
        [expect.stringMatching(/MartClusterSecret/), { username: 'sluice_admin' }],
      ]),
    );
  });

  it("creates the flows' tables from functions/sql and the flows' user at deploy time, as the administrator", () => {
    // Act
    const [, schema] = resourcesOf(data, 'Custom::SluiceMartSchema')[0] ?? [];
    // Assess
    expect(JSON.parse(schema?.tables as string)).toEqual([
      {
        table: 'review_facts',
        ddl: readFileSync(join(projectRoot, 'functions', 'sql', 'review_facts.sql'), 'utf8'),
      },
    ]);
    expect(schema).toMatchObject({ database: 'mart', port: expect.anything() });
    expect(text(schema?.host)).toMatch(/MartCluster\w+","Endpoint\.Address/);
    expect(text(schema?.adminSecretArn)).toMatch(/MartClusterSecretAttachment|MartClusterSecret/);
    expect(text(schema?.flowSecretArn)).toContain('MartFlowUserSecret');
  });

  it('lets the schema provisioner read exactly those two secrets, from the VPC, verifying the cluster’s certificate', () => {
    // Act
    const statements = resourcesOf(data, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('MartSchemaFunction'))
      .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
    const [, fn] =
      resourcesOf(data, 'AWS::Lambda::Function').find(([id]) => id.startsWith('MartSchemaFunction')) ?? [];
    // Assess
    expect(statements.map((s) => [s.Action, text(s.Resource)])).toEqual([
      [
        ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        expect.stringMatching(/MartClusterSecret/),
      ],
      [
        ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        expect.stringContaining('MartFlowUserSecret'),
      ],
    ]);
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Environment: { Variables: { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } },
      VpcConfig: {
        SecurityGroupIds: [
          expect.objectContaining({ 'Fn::GetAtt': [expect.stringMatching(/^MartSchemaGroup/), 'GroupId'] }),
        ],
      },
    });
  });

  it('grants the flow exactly rds-db:connect for its database user through the proxy, and no secret', () => {
    // Act
    const mart = statementsOf(flows).filter(
      (s) => text(s.Action).includes('rds-db') || text(s.Action).includes('secretsmanager'),
    );
    // Assess
    expect(mart).toHaveLength(1);
    expect(mart[0]?.Action).toBe('rds-db:connect');
    const resource = text(mart[0]?.Resource);
    expect(resource).toContain(':dbuser:');
    expect(resource).toContain('/sluice_mart');
    expect(resource).toMatch(/MartClusterProxy\w+DBProxyArn/);
  });

  it('alarms on the output’s own dead letters and on throttling (too many connections, a pool wait timed out)', () => {
    expect(perOutputAlarms(flows).map(([, metric, output]) => [metric, output])).toEqual([
      ['RecordsDeadLettered', 'postgres:review_facts'],
      ['OutputThrottled', 'postgres:review_facts'],
    ]);
  });

  it('tells the function where the proxy is and how to sign in, and alarms on its dead letters', () => {
    // Act
    const fn = functionOf(flows);
    // Assess
    expect(fn.Environment.Variables).toMatchObject({
      SLUICE_POSTGRES_PORT: '5432',
      SLUICE_POSTGRES_DATABASE: 'mart',
      SLUICE_POSTGRES_AUTH: 'iam',
      SLUICE_POSTGRES_USER: 'sluice_mart',
    });
    expect(text(fn.Environment.Variables.SLUICE_POSTGRES_HOST)).toMatch(/MartClusterProxy\w+Endpoint/);
    expect(
      resourcesOf(flows, 'AWS::CloudWatch::Alarm').some(
        ([id, a]) => id.startsWith('ReviewsMart') && a.MetricName === 'RecordsDeadLettered',
      ),
    ).toBe(true);
  });
});

describe('a toPostgres flow in the CDK app, with an existing proxy and a secret from context', () => {
  let synth: Synthesized;
  let flows: Template;
  beforeAll(() => {
    synth = synthesize(topology, existingProxy);
    flows = synth.templates.get('SluiceFlows')!;
  }, 120_000);

  it('creates no database, passes cdk-nag, and grants GetSecretValue on that secret and kms:Decrypt through Secrets Manager only', () => {
    // Assess
    expect(synth.findings).toEqual([]);
    expect(resourcesOf(synth.templates.get('SluiceData')!, 'AWS::RDS::DBCluster')).toEqual([]);
    const mart = statementsOf(flows).filter((s) => /rds-db|secretsmanager|kms/.test(text(s.Action)));
    expect(mart.map((s) => [s.Action, s.Resource])).toEqual([
      ['secretsmanager:GetSecretValue', existingProxy['sluice:postgres.secretArn']],
      ['kms:Decrypt', existingProxy['sluice:postgres.secretKeyArn']],
    ]);
    expect(mart[1]?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
    });
  });

  it('puts the flow in the proxy’s client security group and names the secret in its environment', () => {
    // Act
    const fn = functionOf(flows);
    // Assess
    expect(text(fn.VpcConfig.SecurityGroupIds)).toContain('sg-0fedcba9876543210');
    expect(fn.Environment.Variables).toMatchObject({
      SLUICE_POSTGRES_HOST: 'mart.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com',
      SLUICE_POSTGRES_AUTH: 'secret',
      SLUICE_POSTGRES_SECRET_ARN: existingProxy['sluice:postgres.secretArn'],
    });
  });
});

describe('PostgreSQL context settings are checked before synth', () => {
  it.each([
    [{ 'sluice:postgres.database': 'mart' }, 'sluice:postgres.endpoint'],
    [{ 'sluice:postgres.endpoint': 'db.example.com' }, 'sluice:postgres.database'],
    [
      { 'sluice:postgres.endpoint': 'db.example.com', 'sluice:postgres.database': 'm' },
      'sluice:postgres.proxyArn',
    ],
    [
      {
        'sluice:postgres.endpoint': 'db.example.com',
        'sluice:postgres.database': 'm',
        'sluice:postgres.auth': 'secret',
      },
      'sluice:postgres.secretArn',
    ],
    [
      { 'sluice:postgres.endpoint': 'db.example.com:x', 'sluice:postgres.database': 'm' },
      'sluice:postgres.endpoint',
    ],
  ])('%j fails naming %s', (context, key) => {
    // Act / Assess
    expect(() => readSettings((k) => ({ ...mskContext, ...context })[k as keyof typeof context])).toThrow(
      `context ${key}:`,
    );
  });
});
