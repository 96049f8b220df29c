import type { App } from 'aws-cdk-lib';
import { KafkaAuth, type KafkaCluster } from './kafka.ts';

/**
 * The deployment's settings, from `cdk.json` or `-c key=value`. Everything about flows comes from the
 * topology; only where things run (cluster, network, sizes) comes from here.
 */
export const ContextKey = {
  /**
   * "true": create a VPC and an MSK Serverless cluster (IAM auth) instead of importing a cluster. The default
   * when no cluster is given; "false" makes a missing cluster an error.
   */
  sandbox: 'sluice:sandbox',
  /** ARN of an MSK cluster (provisioned or serverless). */
  clusterArn: 'sluice:kafka.clusterArn',
  /** Comma-separated brokers: the self-managed cluster, or the producers' brokers on MSK. */
  bootstrapServers: 'sluice:kafka.bootstrapServers',
  /** plaintext | tls | iam | scram-sha-256 | scram-sha-512 (default iam on MSK, scram-sha-512 otherwise). */
  auth: 'sluice:kafka.auth',
  /** Secrets Manager ARN of the SCRAM credentials. */
  secretArn: 'sluice:kafka.secretArn',
  /**
   * ARN of the customer-managed KMS key (`…:key/<id>`) that encrypts the SCRAM secret: required on MSK, which
   * refuses secrets under the AWS-managed key; flows may decrypt with it only through Secrets Manager.
   */
  secretKeyArn: 'sluice:kafka.secretKeyArn',
  /** Security group that may reach the brokers, added to every flow (imported clusters). */
  kafkaSecurityGroupId: 'sluice:kafka.securityGroupId',
  /** The VPC that reaches the cluster (imported clusters). */
  vpcId: 'sluice:vpcId',
  /** Comma-separated private subnet ids in that VPC, one per zone. */
  subnetIds: 'sluice:subnetIds',
  /** Comma-separated zones of those subnets, in the same order. */
  availabilityZones: 'sluice:availabilityZones',
  /** "retain" (default) or "destroy": what `cdk destroy` does with tables, bucket and domain. */
  removal: 'sluice:removal',
  searchInstanceType: 'sluice:search.instanceType',
  searchDataNodes: 'sluice:search.dataNodes',
  /** Email address subscribed to the alarm topic. */
  alarmEmail: 'sluice:alarmEmail',
  /** "true": keep Lambda's START/END/REPORT lines in the flows' logs (default "false": ~330 bytes per invocation). */
  platformLogs: 'sluice:platformLogs',
  /**
   * How flows with an http output reach their endpoints from the VPC's private subnets: `nat` (the subnets route
   * to the internet through a NAT gateway) or `private` (every endpoint is reachable inside the VPC: an interface
   * endpoint, PrivateLink, peering). Required when a flow has an http output, except in the sandbox (NAT).
   */
  httpEgress: 'sluice:http.egress',
  /**
   * The endpoint of an existing RDS Proxy (or database) that `toPostgres` flows write through. Unset: the data
   * stack creates an Aurora PostgreSQL Serverless v2 cluster behind an RDS Proxy (IAM auth, TLS required).
   */
  postgresEndpoint: 'sluice:postgres.endpoint',
  /** With an existing proxy: its ARN (`…:db-proxy:prx-…`), whose resource id the `rds-db:connect` grant names. */
  postgresProxyArn: 'sluice:postgres.proxyArn',
  /** With an existing proxy: the database name. */
  postgresDatabase: 'sluice:postgres.database',
  /** With an existing proxy: the database user the flows sign in as (IAM auth). */
  postgresUser: 'sluice:postgres.user',
  /** With an existing proxy: `iam` (default; needs proxyArn and user) or `secret` (needs secretArn). */
  postgresAuth: 'sluice:postgres.auth',
  /** With `secret` auth: the Secrets Manager ARN holding `username` and `password`. */
  postgresSecretArn: 'sluice:postgres.secretArn',
  /** With `secret` auth, when the secret is under a customer-managed KMS key: that key's ARN. */
  postgresSecretKeyArn: 'sluice:postgres.secretKeyArn',
  /** With an existing proxy: a security group it admits on its port, added to `toPostgres` flows. */
  postgresSecurityGroupId: 'sluice:postgres.securityGroupId',
} as const;

/** An existing database (RDS Proxy endpoint) the `toPostgres` flows write, from context. */
export interface PostgresSettings {
  readonly endpoint: string;
  readonly port: number;
  readonly database: string;
  readonly auth: 'iam' | 'secret';
  readonly user?: string;
  readonly proxyArn?: string;
  readonly secretArn?: string;
  readonly secretKeyArn?: string;
  readonly securityGroupId?: string;
}

export type KafkaSettings = { readonly kind: 'sandbox' } | KafkaCluster;

export interface NetworkSettings {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly availabilityZones: readonly string[];
  readonly kafkaSecurityGroupId?: string;
}

export interface DeploySettings {
  readonly kafka: KafkaSettings;
  /** Absent in the sandbox, which creates its own network. */
  readonly network?: NetworkSettings;
  readonly removal: 'retain' | 'destroy';
  readonly searchInstanceType?: string;
  readonly searchDataNodes?: number;
  readonly alarmEmail?: string;
  readonly platformLogs?: boolean;
  /** How http outputs leave the VPC, when the context says (`httpEgressFor` adds the sandbox's NAT). */
  readonly httpEgress?: HttpEgress;
  /** Absent: the data stack creates the database and its proxy when a flow writes PostgreSQL. */
  readonly postgres?: PostgresSettings;
}

export const HttpEgress = { Nat: 'nat', Private: 'private' } as const;
export type HttpEgress = (typeof HttpEgress)[keyof typeof HttpEgress];

export class ContextError extends Error {
  constructor(key: string, message: string) {
    super(`context ${key}: ${message} (set it with -c ${key}=… or in cdk.json; see README "Deploy")`);
    this.name = 'ContextError';
  }
}

type Lookup = (key: string) => unknown;

const text = (get: Lookup, key: string): string | undefined => {
  const value = get(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new ContextError(key, 'must be a string');
  }
  return String(value).trim();
};

const list = (get: Lookup, key: string): string[] | undefined => {
  const value = get(key);
  if (Array.isArray(value)) return value.map(String);
  return text(get, key)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
};

const authMode = (get: Lookup): KafkaAuth | undefined => {
  const auth = text(get, ContextKey.auth);
  if (auth === undefined) return undefined;
  const modes: readonly string[] = Object.values(KafkaAuth);
  if (!modes.includes(auth))
    throw new ContextError(ContextKey.auth, `"${auth}" is not one of ${modes.join(', ')}`);
  return auth as KafkaAuth;
};

/** An existing proxy's settings, checked together; none at all means the data stack creates one. */
const postgresSettings = (get: Lookup): { postgres?: PostgresSettings } => {
  const endpoint = text(get, ContextKey.postgresEndpoint);
  if (!endpoint) {
    for (const key of [
      ContextKey.postgresProxyArn,
      ContextKey.postgresSecretArn,
      ContextKey.postgresDatabase,
    ]) {
      if (text(get, key)) throw new ContextError(ContextKey.postgresEndpoint, `required with ${key}`);
    }
    return {};
  }
  const [host, portText] = endpoint.split(':');
  const port = Number(portText ?? 5432);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new ContextError(ContextKey.postgresEndpoint, `"${endpoint}" is not host or host:port`);
  const database = text(get, ContextKey.postgresDatabase);
  if (!database) throw new ContextError(ContextKey.postgresDatabase, 'required with an existing database');
  const auth = text(get, ContextKey.postgresAuth) ?? 'iam';
  const user = text(get, ContextKey.postgresUser);
  const proxyArn = text(get, ContextKey.postgresProxyArn);
  const secretArn = text(get, ContextKey.postgresSecretArn);
  const secretKeyArn = text(get, ContextKey.postgresSecretKeyArn);
  const securityGroupId = text(get, ContextKey.postgresSecurityGroupId);
  if (auth === 'iam') {
    if (!proxyArn || !/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db-proxy:prx-[a-z0-9]+$/.test(proxyArn))
      throw new ContextError(
        ContextKey.postgresProxyArn,
        `required with IAM auth: the proxy's ARN (…:db-proxy:prx-…), got ${proxyArn ?? 'nothing'}`,
      );
    if (!user) throw new ContextError(ContextKey.postgresUser, 'required with IAM auth: the database user');
  } else if (auth === 'secret') {
    if (!secretArn || !/^arn:aws[a-z-]*:secretsmanager:/.test(secretArn))
      throw new ContextError(
        ContextKey.postgresSecretArn,
        `required with secret auth: a Secrets Manager ARN, got ${secretArn ?? 'nothing'}`,
      );
  } else {
    throw new ContextError(ContextKey.postgresAuth, `"${auth}" is not iam or secret`);
  }
  if (
    secretKeyArn !== undefined &&
    !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(secretKeyArn)
  )
    throw new ContextError(
      ContextKey.postgresSecretKeyArn,
      `"${secretKeyArn}" is not a KMS key ARN (…:key/<id>)`,
    );
  if (securityGroupId !== undefined && !/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/.test(securityGroupId))
    throw new ContextError(ContextKey.postgresSecurityGroupId, `"${securityGroupId}" is not a sg- id`);
  return {
    postgres: {
      endpoint: host,
      port,
      database,
      auth,
      ...(user ? { user } : {}),
      ...(proxyArn ? { proxyArn } : {}),
      ...(secretArn ? { secretArn } : {}),
      ...(secretKeyArn ? { secretKeyArn } : {}),
      ...(securityGroupId ? { securityGroupId } : {}),
    },
  };
};

/** Reads and checks the deployment settings; a missing or malformed value names its key. */
export const readSettings = (get: Lookup): DeploySettings => {
  const sandboxText = text(get, ContextKey.sandbox);
  const clusterGiven = text(get, ContextKey.clusterArn) ?? text(get, ContextKey.bootstrapServers);
  // With no cluster at all, `cdk synth` from a clean clone still works: it shows the self-contained sandbox.
  const sandbox = sandboxText === 'true' || (sandboxText === undefined && clusterGiven === undefined);
  const removal = text(get, ContextKey.removal) ?? (sandbox ? 'destroy' : 'retain');
  if (removal !== 'retain' && removal !== 'destroy') {
    throw new ContextError(ContextKey.removal, `"${removal}" is not retain or destroy`);
  }
  const dataNodesText = text(get, ContextKey.searchDataNodes);
  const searchDataNodes = dataNodesText === undefined ? undefined : Number(dataNodesText);
  if (searchDataNodes !== undefined && (!Number.isInteger(searchDataNodes) || searchDataNodes < 1)) {
    throw new ContextError(ContextKey.searchDataNodes, `"${dataNodesText}" is not a positive integer`);
  }
  const platformLogsText = text(get, ContextKey.platformLogs);
  if (platformLogsText !== undefined && platformLogsText !== 'true' && platformLogsText !== 'false') {
    throw new ContextError(ContextKey.platformLogs, `"${platformLogsText}" is not true or false`);
  }
  const optional = {
    removal,
    ...(platformLogsText !== undefined ? { platformLogs: platformLogsText === 'true' } : {}),
    ...(text(get, ContextKey.searchInstanceType)
      ? { searchInstanceType: text(get, ContextKey.searchInstanceType) }
      : {}),
    ...(searchDataNodes !== undefined ? { searchDataNodes } : {}),
    ...(text(get, ContextKey.alarmEmail) ? { alarmEmail: text(get, ContextKey.alarmEmail) } : {}),
    ...postgresSettings(get),
  } as const;
  const httpEgress = httpEgressOf(get);
  if (sandbox) return { kafka: { kind: 'sandbox' }, ...optional, ...(httpEgress ? { httpEgress } : {}) };

  const clusterArn = text(get, ContextKey.clusterArn);
  const bootstrapServers = text(get, ContextKey.bootstrapServers);
  const auth = authMode(get);
  const secretArn = text(get, ContextKey.secretArn);
  const secretKeyArn = text(get, ContextKey.secretKeyArn);
  const shared = {
    ...(auth ? { auth } : {}),
    ...(secretArn ? { secretArn } : {}),
    ...(secretKeyArn ? { secretKeyArn } : {}),
  };
  const scram = auth === 'scram-sha-256' || auth === 'scram-sha-512';
  if (scram && !secretArn) {
    throw new ContextError(ContextKey.secretArn, `required with ${ContextKey.auth}=${auth}`);
  }
  if (
    secretKeyArn !== undefined &&
    !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(secretKeyArn)
  ) {
    throw new ContextError(ContextKey.secretKeyArn, `"${secretKeyArn}" is not a KMS key ARN (…:key/<id>)`);
  }
  if (scram && clusterArn && !secretKeyArn) {
    throw new ContextError(
      ContextKey.secretKeyArn,
      `required with ${ContextKey.auth}=${auth} on MSK: the SCRAM secret's customer-managed KMS key`,
    );
  }
  let kafka: KafkaSettings;
  if (clusterArn) {
    kafka = { kind: 'msk', clusterArn, ...(bootstrapServers ? { bootstrapServers } : {}), ...shared };
  } else if (bootstrapServers) {
    kafka = { kind: 'self-managed', bootstrapServers, ...shared };
  } else {
    throw new ContextError(
      ContextKey.clusterArn,
      `no Kafka cluster: give ${ContextKey.clusterArn} (MSK) or ${ContextKey.bootstrapServers} (self-managed), or drop ${ContextKey.sandbox}=false`,
    );
  }

  const vpcId = text(get, ContextKey.vpcId);
  if (!vpcId) throw new ContextError(ContextKey.vpcId, 'required: the VPC that reaches the cluster');
  const subnetIds = list(get, ContextKey.subnetIds);
  if (!subnetIds?.length)
    throw new ContextError(ContextKey.subnetIds, 'required: private subnets in that VPC');
  const availabilityZones = list(get, ContextKey.availabilityZones);
  if (availabilityZones?.length !== subnetIds.length) {
    throw new ContextError(ContextKey.availabilityZones, 'required: one zone per subnet, in the same order');
  }
  const kafkaSecurityGroupId = text(get, ContextKey.kafkaSecurityGroupId);
  const id = (key: string, value: string | undefined, prefix: string) => {
    if (value !== undefined && !new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(value)) {
      throw new ContextError(key, `"${value}" is not a ${prefix}- id`);
    }
  };
  id(ContextKey.vpcId, vpcId, 'vpc');
  for (const subnet of subnetIds) id(ContextKey.subnetIds, subnet, 'subnet');
  id(ContextKey.kafkaSecurityGroupId, kafkaSecurityGroupId, 'sg');
  return {
    kafka,
    network: {
      vpcId,
      subnetIds,
      availabilityZones,
      ...(kafkaSecurityGroupId ? { kafkaSecurityGroupId } : {}),
    },
    ...optional,
    ...(httpEgress ? { httpEgress } : {}),
  };
};

const httpEgressOf = (get: Lookup): HttpEgress | undefined => {
  const value = text(get, ContextKey.httpEgress);
  if (value === undefined) return undefined;
  const modes: readonly string[] = Object.values(HttpEgress);
  if (!modes.includes(value))
    throw new ContextError(ContextKey.httpEgress, `"${value}" is not one of ${modes.join(', ')}`);
  return value as HttpEgress;
};

export const settingsFromApp = (app: App): DeploySettings =>
  readSettings((key) => app.node.tryGetContext(key));
