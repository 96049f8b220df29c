import { Aws, Fn, Token } from 'aws-cdk-lib';

import { KafkaAuthMode } from '../shared/clients/kafka-auth.ts';

/** How flows produce to Kafka: the runtime's own `SLUICE_KAFKA_AUTH` modes. */
export const KafkaAuth = KafkaAuthMode;
export type KafkaAuth = (typeof KafkaAuth)[keyof typeof KafkaAuth];

/** The Kafka cluster the flows read from and write to. */
export type KafkaCluster =
  | {
      readonly kind: 'msk';
      readonly clusterArn: string;
      /** Brokers for the flows' producers; required when a flow writes to a topic. */
      readonly bootstrapServers?: string;
      /** @default 'iam' */
      readonly auth?: KafkaAuth;
      /** SCRAM credentials secret (MSK requires SCRAM-SHA-512 and an `AmazonMSK_` secret name). */
      readonly secretArn?: string;
      /** The secret's customer-managed KMS key (MSK requires one for SCRAM secrets). */
      readonly secretKeyArn?: string;
    }
  | {
      readonly kind: 'self-managed';
      readonly bootstrapServers: string;
      /** @default 'scram-sha-512' */
      readonly auth?: KafkaAuth;
      readonly secretArn?: string;
      /** The secret's KMS key, when it is a customer-managed one. */
      readonly secretKeyArn?: string;
    };

/** The producer/poller auth mode in effect. */
export const authOf = (cluster: KafkaCluster): KafkaAuth =>
  cluster.auth ?? (cluster.kind === 'msk' ? KafkaAuth.Iam : KafkaAuth.ScramSha512);

/**
 * The MSK resource ARNs IAM authorisation checks: cluster, topic and consumer group. Topic and group ARNs
 * are `arn:<p>:kafka:<region>:<account>:topic/<cluster-name>/<cluster-uuid>/<topic>`; they are built
 * from the cluster ARN: parsed when it is a literal, with Fn::Split when it is a token (the sandbox's).
 */
export class MskArns {
  private readonly prefix: string;
  private readonly clusterPath: string;

  constructor(readonly clusterArn: string) {
    if (Token.isUnresolved(clusterArn)) {
      // A cluster this app creates (the sandbox) lives in the stack's own account and region.
      this.prefix = `arn:${Aws.PARTITION}:kafka:${Aws.REGION}:${Aws.ACCOUNT_ID}`;
      this.clusterPath = Fn.select(1, Fn.split('cluster/', clusterArn));
      return;
    }
    const match = /^(arn:[^:]+:kafka:[^:]+:\d{12}):cluster\/([^/]+\/[^/]+)$/.exec(clusterArn);
    if (!match) throw new Error(`sluice:kafka.clusterArn: "${clusterArn}" is not an MSK cluster ARN`);
    this.prefix = match[1] as string;
    this.clusterPath = match[2] as string;
  }

  topic(name: string): string {
    return `${this.prefix}:topic/${this.clusterPath}/${name}`;
  }

  group(name: string): string {
    return `${this.prefix}:group/${this.clusterPath}/${name}`;
  }
}
