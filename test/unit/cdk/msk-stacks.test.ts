import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OutputKey } from '../../../cdk/stacks/flows-stack.ts';
import { filterPatternsOf, lookupsOf, startingTimestampOf } from '../../../cdk/topology.ts';
import { failureDestinationOf } from '../../../shared/topology/on-failure.ts';
import { fixtureTopology, mskContext } from './fixtures/topology.ts';
import { cfnLint, resourcesOf, type Synthesized, snapshotOf, synthesize } from './support.ts';

// One synthesis (with real esbuild bundling) for the whole file.
let synth: Synthesized;
let flows: Template;
let data: Template;

beforeAll(() => {
  synth = synthesize(fixtureTopology, { ...mskContext });
  flows = synth.templates.get('SluiceFlows')!;
  data = synth.templates.get('SluiceData')!;
}, 120_000);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
const statementsOf = (template: Template, logicalIdPrefix: string): Statement[] =>
  resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(logicalIdPrefix))
    .flatMap(([, props]) => (props.PolicyDocument as { Statement: Statement[] }).Statement);
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const pascalOf = (name: string) =>
  name
    .split('-')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');

const cluster = mskContext['sluice:kafka.clusterArn'];
const clusterPath = 'sluice/11111111-2222-3333-4444-555555555555-1';
const topicArn = (topic: string) => `arn:aws:kafka:eu-west-1:123456789012:topic/${clusterPath}/${topic}`;
const groupArn = (group: string) => `arn:aws:kafka:eu-west-1:123456789012:group/${clusterPath}/${group}`;

describe('the CDK app on an imported MSK cluster', () => {
  it('passes the AwsSolutions cdk-nag pack with no unacknowledged finding', () => {
    // Prepare / Act: synthesised once above. Assess:
    expect(synth.findings).toEqual([]);
  });

  it('gives every cdk-nag acknowledgement a reason of substance', () => {
    const acknowledgements = synth.app.node
      .findAll()
      .flatMap((node) => node.node.metadata.filter((entry) => entry.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) expect(reason.length, id).toBeGreaterThan(40);
  });

  it('synthesises templates that cfn-lint reports no errors for', async () => {
    const matches = await cfnLint([...synth.templateFiles.values()]);

    const errors = matches.filter((m) => m.Level === 'Error').map((m) => `${m.Rule.Id} ${m.Message}`);
    expect(errors).toEqual([]);
  }, 60_000);

  it('creates exactly one function and one event-source mapping per flow, with the topology settings', () => {
    const functions = resourcesOf(flows, 'AWS::Lambda::Function');
    const mappings = resourcesOf(flows, 'AWS::Lambda::EventSourceMapping');
    expect(functions).toHaveLength(fixtureTopology.flows.length);
    expect(mappings).toHaveLength(fixtureTopology.flows.length);

    for (const flow of fixtureTopology.flows) {
      const own = functions.filter(([id]) => id.startsWith(`${pascalOf(flow.name)}Function`));
      expect(own, flow.name).toHaveLength(1);
      const [fnId, fn] = own[0]!;
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: flow.memoryMb,
        Timeout: flow.timeoutSeconds,
      });
      const mine = mappings.filter(([, m]) => (m.FunctionName as { Ref: string }).Ref === fnId);
      expect(mine, flow.name).toHaveLength(1);
      const [, mapping] = mine[0]!;
      const { source } = flow;
      const eh = source.errorHandling;
      expect(mapping).toMatchObject({
        EventSourceArn: cluster,
        Topics: [source.topic.name],
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: source.consumerGroup },
        BatchSize: source.batchSize,
        StartingPosition: source.startingPosition,
      });
      expect(mapping.StartingPositionTimestamp).toEqual(startingTimestampOf(flow));
      expect(mapping.MaximumBatchingWindowInSeconds).toEqual(
        source.batchingWindowSet ? source.batchingWindowMs / 1000 : undefined,
      );
      const patterns = filterPatternsOf(flow);
      expect(mapping.FilterCriteria).toEqual(
        patterns.length ? { Filters: patterns.map((Pattern) => ({ Pattern })) } : undefined,
      );
      expect(mapping.ProvisionedPollerConfig).toEqual(
        source.provisionedPollers
          ? {
              MinimumPollers: source.provisionedPollers.minimum,
              MaximumPollers: source.provisionedPollers.maximum,
            }
          : undefined,
      );
      expect(mapping.MaximumRetryAttempts).toEqual(eh.retryAttempts);
      expect(mapping.MaximumRecordAgeInSeconds).toEqual(eh.maximumRecordAgeSeconds);
      expect(mapping.BisectBatchOnFunctionError).toEqual(eh.splitBatchOnError);
      expect(mapping.FunctionResponseTypes).toEqual(
        eh.reportBatchItemFailures ? ['ReportBatchItemFailures'] : undefined,
      );
      expect(mapping.DestinationConfig, flow.name).toBeDefined();
    }
  });

  it("sends a provisioned flow's failed records to its topic and every other flow's failed batches, records included, to the failed-batches bucket", () => {
    const mappings = resourcesOf(flows, 'AWS::Lambda::EventSourceMapping');
    const destinations = mappings.map(([, m]) =>
      JSON.stringify((m.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination),
    );

    expect(destinations.filter((d) => d === '"kafka://reviews.raw.failed"')).toHaveLength(1);
    const toBucket = destinations.filter((d) => d.includes(':s3:::sluice-failed-batches-'));
    expect(toBucket).toHaveLength(fixtureTopology.flows.length - 1);
    expect(destinations.some((d) => d.includes(':sqs:') || d.includes(':sns:'))).toBe(false);
  });

  it("creates a versioned, encrypted, private, TLS-only failed-batches bucket with lifecycle and request metrics on Lambda's prefix", () => {
    const [[id, bucket]] = resourcesOf(data, 'AWS::S3::Bucket').filter(([, b]) =>
      String(JSON.stringify(b.BucketName)).includes('sluice-failed-batches-'),
    ) as [[string, Record<string, unknown>]];

    expect(bucket).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      MetricsConfigurations: [{ Id: 'FailedBatches', Prefix: 'aws/lambda/' }],
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({
            ExpirationInDays: 90,
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
          }),
        ],
      },
    });
    const policy = resourcesOf(data, 'AWS::S3::BucketPolicy').find(
      ([, p]) => (p.Bucket as { Ref: string }).Ref === id,
    );
    expect(JSON.stringify(policy?.[1])).toContain('"aws:SecureTransport":"false"');
  });

  it('lets each flow put objects only under aws/lambda/ of the failed-batches bucket, in its own account, and list it', () => {
    for (const flow of fixtureTopology.flows) {
      const statements = statementsOf(flows, `${pascalOf(flow.name)}Function`);
      const failed = statements.filter((s) => JSON.stringify(s.Resource).includes('sluice-failed-batches-'));
      if (failureDestinationOf(flow, fixtureTopology).kind !== 'failed-batches') {
        expect(failed, flow.name).toEqual([]);
        continue;
      }
      expect(failed.map((s) => actions(s)).sort(), flow.name).toEqual([['s3:ListBucket'], ['s3:PutObject']]);
      const put = failed.find((s) => actions(s).includes('s3:PutObject'));
      expect(JSON.stringify(put?.Resource)).toMatch(/sluice-failed-batches-.*\/aws\/lambda\/\*"/);
      for (const s of failed)
        expect(s.Condition, flow.name).toEqual({
          StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } },
        });
    }
  });

  it("alarms on any failed batch put in the bucket, and on any record a flow's on-failure destination receives", () => {
    const alarms = resourcesOf(flows, 'AWS::CloudWatch::Alarm').map(([, a]) => a);

    const puts = alarms.filter((a) => a.MetricName === 'PutRequests');
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      Namespace: 'AWS/S3',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(JSON.stringify(puts[0]?.Dimensions)).toContain('"FilterId","Value":"FailedBatches"');
    const delivered = alarms.filter((a) => a.MetricName === 'OnFailureDestinationDeliveredEventCount');
    expect(delivered).toHaveLength(fixtureTopology.flows.length);
    for (const alarm of delivered)
      expect(JSON.stringify(alarm.Dimensions)).toContain('EventSourceMappingUUID');
    const outputs = flows.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs[OutputKey.failedBatches]?.Value)).toContain('sluice-failed-batches-');
  });

  it('gives each function an explicit log group with a retention', () => {
    const groups = resourcesOf(flows, 'AWS::Logs::LogGroup');

    expect(groups).toHaveLength(fixtureTopology.flows.length);
    for (const [, group] of groups) expect(group.RetentionInDays).toBe(30);
    for (const [, fn] of resourcesOf(flows, 'AWS::Lambda::Function')) {
      expect(fn.LoggingConfig).toMatchObject({ LogGroup: { Ref: expect.any(String) } });
    }
  });

  it('places every function in the VPC with the flows and cluster security groups', () => {
    for (const [, fn] of resourcesOf(flows, 'AWS::Lambda::Function')) {
      const vpc = fn.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
      expect(vpc.SubnetIds).toEqual(['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2']);
      expect(vpc.SecurityGroupIds).toHaveLength(2);
      expect(vpc.SecurityGroupIds).toContain(mskContext['sluice:kafka.securityGroupId']);
    }
  });

  it('grants no data action on a "*" resource', () => {
    const dataAction = /^(kafka-cluster|dynamodb|s3|es|secretsmanager|sqs):/;
    const everything = [...synth.templates.values()].flatMap((t) => statementsOf(t, ''));

    for (const s of everything) {
      if (!actions(s).some((a) => dataAction.test(a))) continue;
      expect(resources(s), JSON.stringify(s)).not.toContain('*');
    }
  });

  it('grants kafka-cluster actions only on the cluster, the topics and the consumer group each flow uses', () => {
    for (const flow of fixtureTopology.flows) {
      const statements = statementsOf(flows, `${pascalOf(flow.name)}Function`).filter((s) =>
        actions(s).some((a) => a.startsWith('kafka-cluster:')),
      );
      const onFailure = failureDestinationOf(flow, fixtureTopology);
      const produced = [
        ...[...flow.outputs, flow.deadLetter].flatMap((o) =>
          o.kind === 'topic' ? (o.resources.topics ?? []) : [],
        ),
        ...(onFailure.kind === 'topic' ? [onFailure.topic] : []),
      ];
      const allowed = new Set([
        cluster,
        topicArn(flow.source.topic.name),
        groupArn(flow.source.consumerGroup),
        ...produced.map(topicArn),
      ]);
      const granted = new Set(statements.flatMap(resources));

      expect(granted, flow.name).toEqual(allowed);
      const read = statements.filter((s) => actions(s).includes('kafka-cluster:ReadData')).flatMap(resources);
      expect(read, flow.name).toEqual([topicArn(flow.source.topic.name)]);
      const write = statements
        .filter((s) => actions(s).includes('kafka-cluster:WriteData'))
        .flatMap(resources);
      expect(new Set(write), flow.name).toEqual(new Set(produced.map(topicArn)));
      const group = statements
        .filter((s) => actions(s).includes('kafka-cluster:AlterGroup'))
        .flatMap(resources);
      expect(group, flow.name).toEqual([groupArn(flow.source.consumerGroup)]);
    }
  });

  it('grants DynamoDB, S3 and OpenSearch data actions only to the flows that use them, on their resources', () => {
    const granted = (flow: string, action: string) =>
      statementsOf(flows, `${pascalOf(flow)}Function`)
        .filter((s) => actions(s).includes(action))
        .flatMap(resources)
        .map((r) => JSON.stringify(r));
    const table = (name: string) => `table/${name}`;

    for (const flow of fixtureTopology.flows) {
      const lookups = granted(flow.name, 'dynamodb:BatchGetItem');
      expect(lookups, flow.name).toHaveLength(lookupsOf(flow).length);
      for (const t of lookupsOf(flow))
        expect(
          lookups.some((r) => r.includes(table(t))),
          flow.name,
        ).toBe(true);
    }
    expect(granted('customers-table', 'dynamodb:BatchWriteItem')).toEqual([
      expect.stringContaining(table('customers')),
    ]);
    expect(granted('lake-sink', 's3:PutObject')).toEqual([
      expect.stringContaining('sluice-failed-batches-'),
      expect.stringContaining(':s3:::sluice-test-lake/reviews/*'),
    ]);
    // Its replay marks: read back only under the flow's own marks prefix, listed only there.
    expect(granted('lake-sink', 's3:GetObject')).toEqual([
      expect.stringContaining(':s3:::sluice-test-lake/reviews/_sluice/replay-marks/lake-sink/*'),
    ]);
    const list = statementsOf(flows, 'LakeSinkFunction').filter(
      (s) => actions(s).includes('s3:ListBucket') && JSON.stringify(s.Resource).includes('lake'),
    );
    expect(list.flatMap(resources).map((r) => JSON.stringify(r))).toEqual([
      expect.stringContaining(':s3:::sluice-test-lake"'),
    ]);
    expect(list[0]?.Condition).toEqual({
      StringLike: { 's3:prefix': ['reviews/_sluice/replay-marks/lake-sink/*'] },
    });
    // Bulk on the index's own path only: no grant reaches the domain-wide `/_bulk`.
    expect(granted('search-sink', 'es:ESHttpPost')).toEqual([
      expect.stringContaining('domain/sluice-search/reviews/_bulk'),
    ]);
    expect(granted('search-sink', 'es:ESHttpPut')).toEqual([
      expect.stringContaining('domain/sluice-search/reviews'),
    ]);
    for (const other of ['cleanse-reviews', 'enrich-reviews', 'lake-sink', 'search-sink']) {
      expect(granted(other, 'dynamodb:BatchWriteItem'), other).toEqual([]);
    }
    for (const other of ['cleanse-reviews', 'customers-table', 'enrich-reviews', 'search-sink']) {
      // Failed batches only (the test above): no lake object.
      expect(
        granted(other, 's3:PutObject').filter((r) => r.includes('lake')),
        other,
      ).toEqual([]);
      expect(granted(other, 's3:GetObject'), other).toEqual([]);
    }
  });

  it('creates on-demand, point-in-time-recoverable, encrypted reference tables named as in the topology', () => {
    const tables = resourcesOf(data, 'AWS::DynamoDB::Table');

    expect(tables.map(([, t]) => t.TableName).sort()).toEqual(['customers', 'products']);
    for (const [, table] of tables) {
      expect(table).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    }
  });

  it("turns on TTL on the delete markers' _sluice_expires for a table a change stream loads, and only there", () => {
    // Prepare: the fixture's customers-table flow loads customers with toTable(…, { cdc: 'debezium' })
    const tables = new Map(resourcesOf(data, 'AWS::DynamoDB::Table').map(([, t]) => [t.TableName, t]));

    // Assess
    expect(tables.get('customers')?.TimeToLiveSpecification).toEqual({
      AttributeName: '_sluice_expires',
      Enabled: true,
    });
    expect(tables.get('products')?.TimeToLiveSpecification).toBeUndefined();
  });

  it('creates an encrypted, private, TLS-only lake bucket with lifecycle rules and access logging', () => {
    const lake = resourcesOf(data, 'AWS::S3::Bucket').find(([, b]) => b.BucketName === 'sluice-test-lake');

    expect(lake).toBeDefined();
    const [lakeId, bucket] = lake!;
    expect(bucket).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'lake/' },
    });
    expect((bucket.LifecycleConfiguration as { Rules: unknown[] }).Rules.length).toBeGreaterThanOrEqual(2);
    const policy = resourcesOf(data, 'AWS::S3::BucketPolicy').find(
      ([, p]) => (p.Bucket as { Ref: string }).Ref === lakeId,
    );
    expect(JSON.stringify(policy?.[1])).toContain('"aws:SecureTransport":"false"');
  });

  it('admits only the search flow roles, on their index, in the domain policy, and refuses bulk lines naming an index', () => {
    const [[, domain]] = resourcesOf(data, 'AWS::OpenSearchService::Domain') as [
      [string, Record<string, unknown>],
    ];
    const roles = resourcesOf(flows, 'AWS::IAM::Role').map(([, r]) => r.RoleName);

    expect(domain.AdvancedOptions).toMatchObject({ 'rest.action.multi.allow_explicit_index': 'false' });
    const policy = JSON.stringify(domain.AccessPolicies);
    expect(policy).toContain(':role/SluiceFlows-search-sink');
    for (const other of ['cleanse-reviews', 'customers-table', 'enrich-reviews', 'lake-sink'])
      expect(policy, other).not.toContain(`role/SluiceFlows-${other}`);
    expect(policy).toContain('"aws:PrincipalArn"');
    expect(policy).toContain('domain/sluice-search/reviews/_bulk');
    expect(policy).not.toContain('sluice-search/*');
    expect(policy).not.toContain('ESHttpDelete');
    expect(roles).toContain('SluiceFlows-search-sink');
  });

  it('creates a VPC-only OpenSearch domain with encryption at rest, node-to-node encryption and HTTPS with TLS 1.2', () => {
    const [[, domain]] = resourcesOf(data, 'AWS::OpenSearchService::Domain') as [
      [string, Record<string, unknown>],
    ];

    expect(domain).toMatchObject({
      DomainName: 'sluice-search',
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' },
      VPCOptions: { SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1'] },
    });
  });

  it('alarms on errors, throttles, offset lag and dead-lettered records for every flow, on one dashboard', () => {
    const alarms = resourcesOf(flows, 'AWS::CloudWatch::Alarm');

    // Plus the mapping alarms of the next test (three per flow) and the failed-batches bucket's.
    expect(alarms).toHaveLength(7 * fixtureTopology.flows.length + 1);
    const metricNames = alarms.map(([, a]) => a.MetricName).sort();
    for (const name of ['Errors', 'Throttles', 'OffsetLag', 'RecordsDeadLettered']) {
      expect(
        metricNames.filter((m) => m === name),
        name,
      ).toHaveLength(fixtureTopology.flows.length);
    }
    const deadLetters = alarms.filter(([, a]) => a.MetricName === 'RecordsDeadLettered').map(([, a]) => a);
    for (const flow of fixtureTopology.flows) {
      expect(
        deadLetters.some((a) => JSON.stringify(a.Dimensions).includes(`"${flow.name}"`)),
        flow.name,
      ).toBe(true);
    }
    expect(resourcesOf(flows, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });

  it("turns on every mapping's EventCount, ErrorCount and KafkaMetrics, and alarms per flow on its mapping's failed invokes, dropped records and records sent to the on-failure destination", () => {
    const mappings = resourcesOf(flows, 'AWS::Lambda::EventSourceMapping');
    const alarms = resourcesOf(flows, 'AWS::CloudWatch::Alarm').map(([, a]) => a);

    for (const [id, mapping] of mappings) {
      expect(mapping.MetricsConfig, id).toEqual({ Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] });
      for (const metric of [
        'FailedInvokeEventCount',
        'DroppedEventCount',
        'OnFailureDestinationDeliveredEventCount',
      ]) {
        const own = alarms.filter(
          (a) => a.MetricName === metric && JSON.stringify(a.Dimensions).includes(`"Ref":"${id}"`),
        );
        expect(own, `${metric} of ${id}`).toHaveLength(1);
        expect(own[0]).toMatchObject({
          Namespace: 'AWS/Lambda',
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
        expect(own[0]?.Dimensions).toEqual([{ Name: 'EventSourceMappingUUID', Value: { Ref: id } }]);
      }
    }
  });

  it("graphs each mapping's record counts, errors and offset lag on the dashboard, by the mapping's UUID", () => {
    const [[, dashboard]] = resourcesOf(flows, 'AWS::CloudWatch::Dashboard') as [
      [string, { DashboardBody: unknown }],
    ];
    const body = JSON.stringify(dashboard.DashboardBody);
    const mappingIds = resourcesOf(flows, 'AWS::Lambda::EventSourceMapping').map(([id]) => id);

    for (const metric of [
      'PolledEventCount',
      'FilteredOutEventCount',
      'InvokedEventCount',
      'FailedInvokeEventCount',
      'DroppedEventCount',
      'OnFailureDestinationDeliveredEventCount',
      'CommittedEventCount',
      'PollingErrorCount',
      'InvokeErrorCount',
      'OnFailureDestinationDeliveryErrorCount',
      'SchemaRegistryErrorCount',
      'CommitErrorCount',
      'MaxOffsetLag',
      'SumOffsetLag',
    ]) {
      expect(body.split(`\\"${metric}\\"`).length - 1, metric).toBe(mappingIds.length);
    }
    for (const id of mappingIds) expect(body, id).toContain(`{"Ref":"${id}"}`);
  });

  it('names each flow function, table, the bucket and the search endpoint in the stack outputs', () => {
    const outputs = flows.toJSON().Outputs as Record<string, { Value: unknown }>;

    for (const flow of fixtureTopology.flows) expect(outputs).toHaveProperty(OutputKey.function(flow.name));
    expect(outputs[OutputKey.table('customers')]?.Value).toBe('customers');
    expect(outputs[OutputKey.bucket]?.Value).toBe('sluice-test-lake');
    expect(outputs).toHaveProperty(OutputKey.searchEndpoint);
    expect(outputs).toHaveProperty(OutputKey.manifest);
  });

  it('matches the recorded snapshot of each stack', () => {
    for (const [name, template] of synth.templates) expect(snapshotOf(template), name).toMatchSnapshot(name);
  });
});
