import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ConfigError } from '../../shared/errors.ts';
import { replayMarksPrefix } from '../../shared/outputs/lake-replay-marks.ts';
import type { Flow } from '../../shared/topology/index.ts';
import type { FailureDestination } from '../../shared/topology/on-failure.ts';
import { authOf, type KafkaCluster, MskArns } from '../kafka.ts';
import { lookupsOf, stateTablesOf } from '../topology.ts';
import { failedBatchesPrefix } from './failed-batches.ts';
import { type PostgresTarget, proxyConnectArn } from './mart-database.ts';
import { messagingStatements } from './messaging.ts';

/**
 * What a flow's grants may point at, by physical name. ARNs are built from names rather than imported from
 * the data stack, so policies read plainly and the flows stack carries no export for them.
 */
export interface GrantTargets {
  readonly kafka: KafkaCluster;
  /** Tables the data stack creates. */
  readonly tables: readonly string[];
  /** The lake bucket's name, if the data stack creates one. */
  readonly bucket?: string;
  /** The failed-batches bucket's name: the on-failure destination of flows that set none. */
  readonly failedBatchesBucket?: string;
  /** The search domain's name and the index flows write, if the data stack creates them. */
  readonly search?: { readonly domainName: string; readonly index: string };
  /** The database `toPostgres` outputs write through, if the data stack has one. */
  readonly postgres?: PostgresTarget;
}

/** Topics a flow produces to: its topic outputs and its dead-letter topic. */
export const producedTopics = (flow: Flow, onFailure: FailureDestination): string[] => {
  const topics = new Set<string>();
  for (const output of [...flow.outputs, flow.deadLetter]) {
    if (output.kind !== 'topic') continue;
    for (const topic of output.resources.topics ?? []) topics.add(topic);
  }
  // The mapping itself writes failed records to a topic destination, as the function's role.
  if (onFailure.kind === 'topic') topics.add(onFailure.topic);
  return [...topics].sort();
};

/** The objects an S3 output may write: its prefix, or the whole bucket for an empty prefix. */
export const lakeObjectsArn = (stack: Stack, bucket: string, prefix: string): string =>
  `arn:${stack.partition}:s3:::${bucket}/${prefix ? `${prefix}/` : ''}*`;

export const failedBatchesArn = (stack: Stack, bucket: string): string =>
  `arn:${stack.partition}:s3:::${bucket}`;

/** The bucket an S3 on-failure destination writes to, and the keys Lambda writes there. */
export const failureBucketOf = (onFailure: FailureDestination, targets: GrantTargets, stack: Stack) => {
  if (onFailure.kind === 'arn' && onFailure.arn.split(':')[2] === 's3')
    return { bucketArn: onFailure.arn, objects: `${onFailure.arn}/${failedBatchesPrefix}*` };
  if (onFailure.kind !== 'failed-batches' || !targets.failedBatchesBucket) return undefined;
  const bucketArn = failedBatchesArn(stack, targets.failedBatchesBucket);
  return { bucketArn, objects: `${bucketArn}/${failedBatchesPrefix}*` };
};

const statement = (sid: string, actions: string[], resources: string[]) =>
  new iam.PolicyStatement({ sid, actions, resources });

/**
 * The least-privilege statements for one flow, derived from its source, lookups and outputs. Every data
 * action names its resource: cluster/topic/group ARNs, table ARNs, the lake prefix, the index paths.
 */
export const flowStatements = (
  scope: Construct,
  flow: Flow,
  onFailure: FailureDestination,
  targets: GrantTargets,
): iam.PolicyStatement[] => {
  const stack = Stack.of(scope);
  const statements: iam.PolicyStatement[] = [];
  const { kafka } = targets;
  const produced = producedTopics(flow, onFailure);
  // Sids must be alphanumeric; flow names carry dashes.
  const sid = (what: string) => `${what}${flow.name.replace(/[^A-Za-z0-9]/g, '')}`;

  if (kafka.kind === 'msk' && authOf(kafka) === 'iam') {
    const arns = new MskArns(kafka.clusterArn);
    // The mapping's poller authenticates as the function's role: connect, read its topic, own its group.
    statements.push(
      statement(
        sid('KafkaCluster'),
        ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
        [kafka.clusterArn],
      ),
      statement(
        sid('KafkaRead'),
        ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        [arns.topic(flow.source.topic.name)],
      ),
      statement(
        sid('KafkaGroup'),
        ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        [arns.group(flow.source.consumerGroup)],
      ),
    );
    if (produced.length > 0) {
      statements.push(
        statement(
          sid('KafkaWrite'),
          ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
          produced.map((topic) => arns.topic(topic)),
        ),
      );
    }
  }
  if (kafka.secretArn) {
    statements.push(statement(sid('KafkaSecret'), ['secretsmanager:GetSecretValue'], [kafka.secretArn]));
  }
  if (kafka.secretArn && kafka.secretKeyArn) {
    // Reading the secret decrypts it with its customer-managed key: only through Secrets Manager, in the
    // secret's own region.
    const region = Token.isUnresolved(kafka.secretArn) ? stack.region : kafka.secretArn.split(':')[3];
    statements.push(
      new iam.PolicyStatement({
        sid: sid('KafkaSecretKey'),
        actions: ['kms:Decrypt'],
        resources: [kafka.secretKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
      }),
    );
  }

  // The mapping puts a failed batch as the function's role: PutObject and ListBucket are what AWS requires; the
  // account condition keeps invocation records out of a same-named bucket in another account.
  const failureBucket = failureBucketOf(onFailure, targets, stack);
  if (failureBucket) {
    const inAccount = { StringEquals: { 's3:ResourceAccount': stack.account } };
    statements.push(
      new iam.PolicyStatement({
        sid: sid('FailedBatches'),
        actions: ['s3:PutObject'],
        resources: [failureBucket.objects],
        conditions: inAccount,
      }),
      new iam.PolicyStatement({
        sid: sid('FailedBatchesList'),
        actions: ['s3:ListBucket'],
        resources: [failureBucket.bucketArn],
        conditions: inAccount,
      }),
    );
  }

  const tableArn = (name: string, path: string): string => {
    if (!targets.tables.includes(name))
      throw new ConfigError(path, `table "${name}" has no resource in this stack`);
    return stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: name });
  };
  const lookups = lookupsOf(flow);
  if (lookups.length > 0) {
    const arns = [...new Set(lookups)]
      .sort()
      .map((name) => tableArn(name, `flows.${flow.name}.steps.enrich`));
    statements.push(statement(sid('Lookup'), ['dynamodb:BatchGetItem'], arns));
  }

  // Stateful steps read and write their own items only: the leading keys of their state, when the step says.
  stateTablesOf(flow).forEach(({ table, step, kind, keys }, i) => {
    const arn = tableArn(table, `flows.${flow.name}.steps (${step})`);
    statements.push(
      new iam.PolicyStatement({
        sid: sid(`State${i}`),
        actions: [
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          // A join reads and moves its per-partition times item by item (join-state.ts).
          ...(kind === 'join' ? ['dynamodb:GetItem', 'dynamodb:UpdateItem'] : []),
        ],
        resources: [arn],
        ...(keys ? { conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys] } } } : {}),
      }),
    );
  });

  flow.outputs.forEach((output, i) => {
    const at = `flows.${flow.name}.outputs[${i}]`;
    switch (output.kind) {
      case 'topic':
        return; // granted above, with the dead-letter topic
      case 'table': {
        // Batch writes; single puts/deletes isolate the item a rejected batch contained.
        statements.push(
          statement(
            sid(`Load${i}`),
            ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
            (output.resources.tables ?? []).map((name) => tableArn(name, at)),
          ),
        );
        return;
      }
      case 's3': {
        if (!targets.bucket) throw new ConfigError(at, 'no bucket in this stack');
        const prefix = output.resources.bucketPrefix ?? '';
        statements.push(
          statement(sid(`Lake${i}`), ['s3:PutObject'], [lakeObjectsArn(stack, targets.bucket, prefix)]),
        );
        if (output.resources.replayMarks) {
          const marks = replayMarksPrefix(prefix, flow.name);
          statements.push(
            statement(sid(`LakeMarks${i}`), ['s3:GetObject'], [lakeObjectsArn(stack, targets.bucket, marks)]),
            // Listing only the marks: a GetObject of a missing key is 403 without bucket-wide ListBucket (this
            // condition does not apply to it), and the writer lists the key to tell missing from forbidden.
            new iam.PolicyStatement({
              sid: sid(`LakeMarksList${i}`),
              actions: ['s3:ListBucket'],
              resources: [`arn:${stack.partition}:s3:::${targets.bucket}`],
              conditions: { StringLike: { 's3:prefix': [`${marks}/*`] } },
            }),
          );
        }
        return;
      }
      case 'opensearch': {
        if (!targets.search) throw new ConfigError(at, 'no search domain in this stack');
        const { domainName } = targets.search;
        const index = output.resources.index ?? targets.search.index;
        const domainArn = stack.formatArn({
          service: 'es',
          resource: 'domain',
          resourceName: domainName,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        });
        // `_bulk` is posted on the index's own path (action lines name no index); HEAD/PUT check and create it.
        statements.push(
          statement(sid(`SearchBulk${i}`), ['es:ESHttpPost'], [`${domainArn}/${index}/_bulk`]),
          statement(sid(`SearchIndex${i}`), ['es:ESHttpHead', 'es:ESHttpPut'], [`${domainArn}/${index}`]),
        );
        return;
      }
      case 'http': {
        // Only the auth secret; the endpoint itself is reached over the network (see cdk/http-egress.ts).
        const secret = output.resources.secretArn;
        if (secret)
          statements.push(statement(sid(`HttpSecret${i}`), ['secretsmanager:GetSecretValue'], [secret]));
        return;
      }
      case 'postgres': {
        const db = targets.postgres;
        if (!db) throw new ConfigError(at, 'no PostgreSQL database in this stack');
        // The proxy checks the IAM token against the user's rds-db:connect; a secret is read once per environment.
        if (db.auth === 'iam' && db.proxyArn && db.user) {
          statements.push(
            statement(sid(`Mart${i}`), ['rds-db:connect'], [proxyConnectArn(stack, db.proxyArn, db.user)]),
          );
        }
        if (db.auth === 'secret' && db.secretArn) {
          statements.push(
            statement(sid(`MartSecret${i}`), ['secretsmanager:GetSecretValue'], [db.secretArn]),
          );
          if (db.secretKeyArn) {
            statements.push(
              new iam.PolicyStatement({
                sid: sid(`MartSecretKey${i}`),
                actions: ['kms:Decrypt'],
                resources: [db.secretKeyArn],
                conditions: {
                  StringEquals: {
                    'kms:ViaService': `secretsmanager.${db.secretArn.split(':')[3]}.amazonaws.com`,
                  },
                },
              }),
            );
          }
        }
        return;
      }
      case 'sqs':
      case 'sns':
      case 'eventbridge':
        statements.push(...messagingStatements(scope, output, (what) => sid(`${what}${i}`)));
        return;
      default:
        throw new ConfigError(
          `${at}.kind`,
          `no grant path for output kind "${(output as { kind: string }).kind}"`,
        );
    }
  });
  return statements;
};
