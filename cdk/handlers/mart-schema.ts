import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import pg from 'pg';
import { readSecret, secretsManagerClient } from '../../shared/clients/secrets.ts';
import { type MartTable, provisionMart } from '../../shared/outputs/postgres-provision.ts';

/**
 * The data stack's mart-schema custom resource (CDK's Provider framework calls it on create and update): signs
 * in to the cluster as its administrator and runs the same provisioning `npm start` runs locally, creating the
 * flows' tables and their database user with the password of the user's own secret (the secret RDS Proxy signs
 * in with). Delete leaves the database as it is: the cluster's removal policy decides its fate.
 */

/** The resource's properties, as the construct sets them (CloudFormation passes every value as a string). */
export interface MartSchemaProperties {
  /** The cluster's writer endpoint: the administrator signs in to the database itself, not through the proxy. */
  readonly host: string;
  readonly port: string;
  readonly database: string;
  /** The cluster's generated secret (`username`, `password`). */
  readonly adminSecretArn: string;
  /** The flows' user's secret, the one the proxy holds. */
  readonly flowSecretArn: string;
  /** JSON of `MartTable[]`: the tables with their DDL; a changed DDL is an update, so it runs again. */
  readonly tables: string;
}

export interface MartSchemaDeps {
  readonly secrets?: Pick<SecretsManagerClient, 'send'>;
  /**
   * TLS to the cluster, verified: the Lambda runtime's RDS certificates (`NODE_EXTRA_CA_CERTS`).
   * @default true
   */
  readonly tls?: boolean;
}

interface Credentials {
  readonly username: string;
  readonly password: string;
}

const credentialsOf = async (arn: string, secrets: MartSchemaDeps['secrets']): Promise<Credentials> => {
  const value = JSON.parse(await readSecret(arn, secrets ?? secretsManagerClient())) as Partial<Credentials>;
  if (typeof value.username !== 'string' || typeof value.password !== 'string')
    throw new Error(`secret ${arn} has no username and password`);
  return { username: value.username, password: value.password };
};

export const createMartSchemaHandler =
  (deps: MartSchemaDeps = {}) =>
  async (
    event: CloudFormationCustomResourceEvent,
  ): Promise<{ PhysicalResourceId: string; Data?: object }> => {
    const props = event.ResourceProperties as unknown as MartSchemaProperties;
    const id = `${props.database}/${props.host}`;
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const [admin, flows] = await Promise.all([
      credentialsOf(props.adminSecretArn, deps.secrets),
      credentialsOf(props.flowSecretArn, deps.secrets),
    ]);
    const client = new pg.Client({
      host: props.host,
      port: Number(props.port),
      database: props.database,
      user: admin.username,
      password: admin.password,
      ssl: (deps.tls ?? true) ? { rejectUnauthorized: true, servername: props.host } : false,
      connectionTimeoutMillis: 10_000,
    });
    await client.connect();
    try {
      const tables = JSON.parse(props.tables) as MartTable[];
      const created = await provisionMart(client, { tables, user: flows.username, password: flows.password });
      return { PhysicalResourceId: id, Data: { user: flows.username, tables: created.join(',') } };
    } finally {
      await client.end();
    }
  };

export const handler = createMartSchemaHandler();
