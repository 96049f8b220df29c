import { join } from 'node:path';
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type ErrorCountMetric,
  EventCountMetric,
  type KafkaLagMetric,
  MappingMetrics,
} from '../../shared/mapping-metrics.ts';
import { replayMarksPrefix } from '../../shared/outputs/lake-replay-marks.ts';
import { type Flow, FlowDefaults as RuntimeFlowDefaults } from '../../shared/topology/index.ts';
import type { FailureDestination } from '../../shared/topology/on-failure.ts';
import { flowExecWrapper, flowNodeOptions, flowV8Flags, nodejsBundling, projectRoot } from '../bundling.ts';
import { authOf } from '../kafka.ts';
import { FlowMetrics } from '../metrics.ts';
import {
  acknowledgeFailedBatches,
  acknowledgeLakePrefix,
  acknowledgeManagedPolicies,
  acknowledgeReplayMarks,
  renderedForNag,
} from '../nag.ts';
import {
  acknowledgeSchemaRegistry,
  deploySchemas,
  encodingStatements,
  mappingSchemaRegistry,
  schemaStatements,
} from '../schema-registry.ts';
import { filterPatternsOf, startingTimestampOf } from '../topology.ts';
import { FailedBatchesDestination } from './failed-batches.ts';
import {
  failedBatchesArn,
  failureBucketOf,
  flowStatements,
  type GrantTargets,
  lakeObjectsArn,
  producedTopics,
} from './flow-grants.ts';
import { messagingEnvironment } from './messaging.ts';
import { outputAlarms } from './output-alarms.ts';

/**
 * A flow role's physical name, `<flows stack>-<flow>`: the search domain's policy (in the data stack, deployed
 * first) names the roles that may write its index by ARN.
 */
export const flowRoleName = (flowsStackName: string, flow: string): string =>
  `${flowsStackName}-${flow}`.slice(0, 64);

export const flowRoleArn = (flowsStackName: string, flow: string): string =>
  `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${flowRoleName(flowsStackName, flow)}`;

/** Function settings a flow does not declare; memory and timeout are `defineFlow`'s (`shared/topology/flow.ts`). */
export const FlowDefaults = {
  logRetention: logs.RetentionDays.ONE_MONTH,
  /** Offset lag (records) above which the flow is falling behind. */
  offsetLagThreshold: 10_000,
} as const;

export interface FlowNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
}

export interface FlowFunctionProps extends GrantTargets {
  /** The runtime's validated flow. */
  readonly flow: Flow;
  /** Absolute path of the flow's own file: the bundle's entry point. */
  readonly entry: string;
  /** Where the mapping sends a batch it gives up on, resolved by `failureDestinationOf`. */
  readonly onFailure: FailureDestination;
  /** Where the function runs: the VPC that reaches the cluster, the tables' endpoints and the domain. */
  readonly network: FlowNetwork;
  /** Endpoint of the search domain, for flows with an OpenSearch output. */
  readonly searchEndpoint?: string;
  /**
   * Log retention of the function's log group.
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Keep Lambda's own START, END and REPORT lines in the log group (system log level INFO instead of WARN).
   * @default false (`FlowDefaults.platformLogs` in shared/topology: ~330 bytes of logs per invocation saved)
   * @example platformLogs: true
   */
  readonly platformLogs?: boolean;
  /**
   * Offset lag (records) that raises the lag alarm.
   * @default 10,000
   */
  readonly offsetLagThreshold?: number;
  /** Topic notified when an alarm fires. @default none (alarms visible on the dashboard only) */
  readonly alarmTopic?: sns.ITopic;
}

const startingPosition = {
  LATEST: lambda.StartingPosition.LATEST,
  TRIM_HORIZON: lambda.StartingPosition.TRIM_HORIZON,
  AT_TIMESTAMP: lambda.StartingPosition.AT_TIMESTAMP,
} as const;

const selfManagedAuth = {
  'scram-sha-256': sources.AuthenticationMethod.SASL_SCRAM_256_AUTH,
  'scram-sha-512': sources.AuthenticationMethod.SASL_SCRAM_512_AUTH,
} as const;

/**
 * One flow: its function (bundled from the flow's own file), log group, Kafka event-source mapping with the
 * flow's settings and pushed-down filters, least-privilege grants and alarms.
 */
export class FlowFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly deadLettered: cloudwatch.IMetric;
  readonly offsetLag: cloudwatch.IMetric;
  /** The mapping's UUID, the dimension of its own metrics. */
  readonly mappingUuid: string;

  constructor(scope: Construct, id: string, props: FlowFunctionProps) {
    super(scope, id);
    const { flow } = props;

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? FlowDefaults.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: flow.memoryMb,
      timeout: Duration.seconds(flow.timeoutSeconds),
      description: `Sluice flow ${flow.name}: ${flow.source.topic.name} -> ${flow.outputs.map((o) => o.name).join(', ')}`,
      logGroup,
      // JSON logs let the system log level drop the platform lines; the handler's lines are JSON already.
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2:
        (props.platformLogs ?? RuntimeFlowDefaults.platformLogs)
          ? lambda.SystemLogLevel.INFO
          : lambda.SystemLogLevel.WARN,
      environment: this.environment(props),
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      securityGroups: [...props.network.securityGroups],
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      bundling: {
        ...nodejsBundling(),
        // The wrapper script that adds flowV8Flags to node's command line, beside the bundle.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, output: string) => [
            `cp "${flowExecWrapper.source}" "${output}/${flowExecWrapper.file}"`,
            `chmod 755 "${output}/${flowExecWrapper.file}"`,
          ],
        },
      },
    });
    const role = this.function.role?.node.defaultChild as iam.CfnRole | undefined;
    if (role) role.roleName = flowRoleName(Stack.of(this).stackName, flow.name);
    for (const statement of flowStatements(this, flow, props.onFailure, props))
      this.function.addToRolePolicy(statement);
    const schemas = flow.schemas ? deploySchemas(flow.schemas) : undefined;
    if (schemas) {
      for (const statement of schemaStatements(this, flow.name, schemas))
        this.function.addToRolePolicy(statement);
      acknowledgeSchemaRegistry(this.function, schemas);
    }
    for (const statement of encodingStatements(this, flow.name, [...flow.outputs, flow.deadLetter]))
      this.function.addToRolePolicy(statement);

    this.function.addEventSource(this.eventSource(props));
    this.mappingUuid = this.mappingId();
    this.acknowledgeFindings(props);

    const dimensionsMap = FlowMetrics.dimensions(flow.name);
    this.deadLettered = new cloudwatch.Metric({
      namespace: FlowMetrics.namespace,
      metricName: FlowMetrics.deadLettered,
      dimensionsMap,
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    this.offsetLag = this.function.metric('OffsetLag', { statistic: 'Maximum', period: Duration.minutes(5) });
    this.alarms = this.createAlarms(props);
  }

  private acknowledgeFindings(props: FlowFunctionProps): void {
    acknowledgeManagedPolicies(this.function, [
      'AWSLambdaBasicExecutionRole',
      'AWSLambdaVPCAccessExecutionRole',
      ...(props.kafka.kind === 'msk' ? (['AWSLambdaMSKExecutionRole'] as const) : []),
    ]);
    const stack = Stack.of(this);
    const failureObjects = failureBucketOf(props.onFailure, props, stack)?.objects;
    if (failureObjects) acknowledgeFailedBatches(this.function, renderedForNag(stack, failureObjects));
    for (const output of props.flow.outputs) {
      const bucket = props.bucket;
      if (output.kind !== 's3' || !bucket) continue;
      const prefix = output.resources.bucketPrefix ?? '';
      // cdk-nag names the resource as it renders it: the partition pseudo-parameter in angle brackets.
      const rendered = (objectsPrefix: string) =>
        lakeObjectsArn(stack, bucket, objectsPrefix).replace(stack.partition, '<AWS::Partition>');
      acknowledgeLakePrefix(this.function, rendered(prefix));
      if (output.resources.replayMarks) {
        acknowledgeReplayMarks(this.function, rendered(replayMarksPrefix(prefix, props.flow.name)));
      }
    }
  }

  private environment(props: FlowFunctionProps): Record<string, string> {
    const { flow, kafka } = props;
    const env: Record<string, string> = {
      SLUICE_FLOW: flow.name,
      POWERTOOLS_SERVICE_NAME: flow.name,
      POWERTOOLS_METRICS_NAMESPACE: FlowMetrics.namespace,
      NODE_OPTIONS: flowNodeOptions.join(' '),
      AWS_LAMBDA_EXEC_WRAPPER: flowExecWrapper.path,
      SLUICE_V8_FLAGS: flowV8Flags.join(' '),
    };
    if (producedTopics(flow, props.onFailure).length > 0 && kafka.bootstrapServers) {
      env.SLUICE_KAFKA_BROKERS = kafka.bootstrapServers;
      env.SLUICE_KAFKA_AUTH = authOf(kafka);
      if (kafka.secretArn) env.SLUICE_KAFKA_SECRET_ARN = kafka.secretArn;
    }
    if (props.searchEndpoint && flow.outputs.some((o) => o.kind === 'opensearch')) {
      env.SLUICE_OPENSEARCH_ENDPOINT = props.searchEndpoint;
    }
    const db = props.postgres;
    if (db && flow.outputs.some((o) => o.kind === 'postgres')) {
      env.SLUICE_POSTGRES_HOST = db.endpoint;
      env.SLUICE_POSTGRES_PORT = String(db.port);
      env.SLUICE_POSTGRES_DATABASE = db.database;
      env.SLUICE_POSTGRES_AUTH = db.auth;
      if (db.user) env.SLUICE_POSTGRES_USER = db.user;
      if (db.auth === 'secret' && db.secretArn) env.SLUICE_POSTGRES_SECRET_ARN = db.secretArn;
    }
    Object.assign(env, messagingEnvironment(this, flow));
    return env;
  }

  private eventSource(props: FlowFunctionProps): lambda.IEventSource {
    const { flow, kafka } = props;
    const { source } = flow;
    const eh = source.errorHandling;
    const onFailure =
      props.onFailure.kind !== 'failed-batches'
        ? this.failureDestination(props.onFailure)
        : props.failedBatchesBucket
          ? new FailedBatchesDestination(failedBatchesArn(Stack.of(this), props.failedBatchesBucket))
          : undefined;
    const startingTimestamp = startingTimestampOf(flow);
    const filterPatterns = filterPatternsOf(flow);
    const secret = kafka.secretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, 'KafkaSecret', kafka.secretArn)
      : undefined;
    const schemaRegistry = flow.schemas
      ? mappingSchemaRegistry(
          this,
          flow.name,
          deploySchemas(flow.schemas),
          source.provisionedPollers !== undefined,
        )
      : undefined;
    const common: sources.KafkaEventSourceProps = {
      topic: source.topic.name,
      consumerGroupId: source.consumerGroup,
      batchSize: source.batchSize,
      // Whole seconds (checked by defineFlow); only a window the flow set is passed on, so an unset one keeps
      // Kafka's own 500 ms default.
      ...(source.batchingWindowSet
        ? { maxBatchingWindow: Duration.seconds(source.batchingWindowMs / 1000) }
        : {}),
      startingPosition: startingPosition[source.startingPosition],
      ...(startingTimestamp !== undefined ? { startingPositionTimestamp: startingTimestamp } : {}),
      ...(filterPatterns.length > 0 ? { filters: filterPatterns.map((pattern) => ({ pattern })) } : {}),
      ...(onFailure ? { onFailure } : {}),
      ...(source.provisionedPollers
        ? {
            provisionedPollerConfig: {
              minimumPollers: source.provisionedPollers.minimum,
              maximumPollers: source.provisionedPollers.maximum,
            },
          }
        : {}),
      ...(eh.retryAttempts !== undefined ? { retryAttempts: eh.retryAttempts } : {}),
      ...(eh.maximumRecordAgeSeconds !== undefined && eh.maximumRecordAgeSeconds !== -1
        ? { maxRecordAge: Duration.seconds(eh.maximumRecordAgeSeconds) }
        : {}),
      ...(eh.splitBatchOnError !== undefined ? { bisectBatchOnError: eh.splitBatchOnError } : {}),
      ...(eh.reportBatchItemFailures !== undefined
        ? { reportBatchItemFailures: eh.reportBatchItemFailures }
        : {}),
      ...(secret ? { secret } : {}),
      ...(schemaRegistry ? { schemaRegistryConfig: schemaRegistry } : {}),
      // Only the mapping's own metrics say what it polled, filtered out, dropped or handed to the on-failure
      // destination; they are off unless asked for.
      metricsConfig: {
        metrics: [
          lambda.MetricType.EVENT_COUNT,
          lambda.MetricType.ERROR_COUNT,
          lambda.MetricType.KAFKA_METRICS,
        ],
      },
    };
    if (kafka.kind === 'msk')
      return new sources.ManagedKafkaEventSource({ ...common, clusterArn: kafka.clusterArn });
    const auth = authOf(kafka);
    const [securityGroup] = props.network.securityGroups;
    return new sources.SelfManagedKafkaEventSource({
      ...common,
      bootstrapServers: kafka.bootstrapServers.split(',').map((s) => s.trim()),
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      ...(securityGroup ? { securityGroup } : {}),
      ...(auth === 'scram-sha-256' || auth === 'scram-sha-512'
        ? { authenticationMethod: selfManagedAuth[auth] }
        : {}),
    });
  }

  /** A flow's own on-failure destination: a topic on the cluster (`kafka://`), or an SQS/SNS/S3 ARN. */
  private failureDestination(
    onFailure: Exclude<FailureDestination, { kind: 'failed-batches' }>,
  ): lambda.IEventSourceDlq {
    if (onFailure.kind === 'topic') return new sources.KafkaDlq(onFailure.topic);
    const service = onFailure.arn.split(':')[2];
    if (service === 'sqs')
      return new sources.SqsDlq(sqs.Queue.fromQueueArn(this, 'OnFailure', onFailure.arn));
    if (service === 'sns')
      return new sources.SnsDlq(sns.Topic.fromTopicArn(this, 'OnFailure', onFailure.arn));
    // Granted by the flow's policy (PutObject and ListBucket), not CDK's read-write on the whole bucket.
    return new FailedBatchesDestination(onFailure.arn);
  }

  /** One of the mapping's own metrics (`MetricsConfig`), over five minutes. */
  mappingMetric(
    metricName: EventCountMetric | ErrorCountMetric | KafkaLagMetric,
    statistic = 'Sum',
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: MappingMetrics.namespace,
      metricName,
      dimensionsMap: { [MappingMetrics.dimension]: this.mappingUuid },
      statistic,
      period: Duration.minutes(5),
    });
  }

  /** The mapping's UUID (its Ref): CDK exposes it for MSK mappings only. */
  private mappingId(): string {
    const mapping = this.function.node
      .findAll()
      .find((c): c is lambda.CfnEventSourceMapping => c instanceof lambda.CfnEventSourceMapping);
    if (!mapping) throw new Error(`flow ${this.node.id}: no event-source mapping`);
    return mapping.ref;
  }

  private createAlarms(props: FlowFunctionProps): cloudwatch.Alarm[] {
    const { flow } = props;
    const fn = this.function;
    const period = Duration.minutes(5);
    const { onFailure } = props;
    const failureTarget =
      onFailure.kind === 'topic'
        ? onFailure.topic
        : onFailure.kind === 'arn'
          ? onFailure.arn
          : props.failedBatchesBucket
            ? 'the failed-batches bucket'
            : undefined;
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, what: string) => {
      const created = new cloudwatch.Alarm(this, id, {
        alarmName: `${Stack.of(this).stackName}-${flow.name}-${id}`,
        alarmDescription: `Sluice flow ${flow.name}: ${what}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No datapoints means no invocations or no dead letters: quiet, not alarming.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) created.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      return created;
    };
    return [
      alarm(
        'Errors',
        fn.metricErrors({ period, statistic: 'Sum' }),
        1,
        'invocations failed (the batch is retried)',
      ),
      alarm('Throttles', fn.metricThrottles({ period, statistic: 'Sum' }), 1, 'invocations were throttled'),
      alarm(
        'OffsetLag',
        this.offsetLag,
        props.offsetLagThreshold ?? FlowDefaults.offsetLagThreshold,
        'the consumer group is falling behind its topic',
      ),
      alarm('DeadLettered', this.deadLettered, 1, 'records were dead-lettered'),
      // Stateful flows: late records are dead letters too, but a rising count says grace is too short.
      ...(flow.steps.some((s) => (s.keepsStateIn ?? []).length > 0)
        ? [
            alarm(
              'LateRecords',
              new cloudwatch.Metric({
                namespace: FlowMetrics.namespace,
                metricName: FlowMetrics.late,
                dimensionsMap: FlowMetrics.dimensions(flow.name),
                statistic: 'Sum',
                period,
              }),
              1,
              'records arrived after their windows closed (dead-lettered with stage late; grace may be too short)',
            ),
          ]
        : []),
      alarm(
        'FailedInvokes',
        this.mappingMetric(EventCountMetric.FailedInvoke),
        1,
        'the mapping could not deliver records to the function (function or invoke errors, partial batch failures; retried)',
      ),
      alarm(
        'DroppedEvents',
        this.mappingMetric(EventCountMetric.Dropped),
        1,
        'the mapping gave up on records and no on-failure destination kept them (they are lost)',
      ),
      ...outputAlarms(flow).map(({ id, metric, what }) => alarm(id, metric, 1, what)),
      ...(failureTarget
        ? [
            alarm(
              'FailedRecords',
              this.mappingMetric(EventCountMetric.OnFailureDestinationDelivered),
              1,
              `the mapping gave up on records and sent them to ${failureTarget}`,
            ),
          ]
        : []),
    ];
  }
}
