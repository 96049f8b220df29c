import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createMartSchemaHandler, type MartSchemaProperties } from '../../../cdk/handlers/mart-schema.ts';
import { readState } from '../../../local/services/state.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';

// Secrets Manager is moto's (the project's S3 server), PostgreSQL the local server.
const secrets = new SecretsManagerClient(localAws(endpoints().s3.endpoint));
const server = new URL(readState().postgres?.endpoint ?? 'postgres://missing');
const admin = new pg.Pool({ connectionString: server.toString(), max: 1 });
admin.on('error', () => {});
const identifier = (prefix: string) => uniqueName(prefix).replaceAll('-', '_');

const secret = async (value: object): Promise<string> => {
  const created = await secrets.send(
    new CreateSecretCommand({ Name: uniqueName('mart'), SecretString: JSON.stringify(value) }),
  );
  return created.ARN as string;
};

/** A CloudFormation request as the Provider framework hands it to the onEvent handler. */
const request = (
  type: 'Create' | 'Update' | 'Delete',
  properties: MartSchemaProperties,
): CloudFormationCustomResourceEvent =>
  ({
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/SluiceData/1',
    RequestId: uniqueName('request'),
    LogicalResourceId: 'MartSchemaResource',
    ResourceType: 'Custom::SluiceMartSchema',
    ResourceProperties: { ServiceToken: 'provider', ...properties },
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'postgres/127.0.0.1', OldResourceProperties: {} }),
  }) as CloudFormationCustomResourceEvent;

/** The resource's properties on the local server: the administrator's secret and the flows' user's one. */
const propertiesFor = async (flowSecret: object, tables: string): Promise<MartSchemaProperties> => ({
  host: server.hostname,
  port: server.port,
  database: 'postgres',
  adminSecretArn: await secret({ username: decodeURIComponent(server.username), password: 'unused' }),
  flowSecretArn: await secret(flowSecret),
  tables,
});

/** The local server is trust-authenticated: TLS off, the administrator's password unused but read. */
const handler = createMartSchemaHandler({ secrets, tls: false });

describe("the mart-schema custom resource's handler, with moto's Secrets Manager and a real PostgreSQL", () => {
  afterAll(async () => {
    await admin.end();
  });

  it("creates the tables and the flows' user named by its secret on Create, and applies a changed DDL on Update", async () => {
    // Prepare
    const user = identifier('flows');
    const table = identifier('facts');
    const added = identifier('more');
    const properties = await propertiesFor(
      { username: user, password: "s3cr'et" },
      JSON.stringify([{ table, ddl: `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY)` }]),
    );
    // Act
    const created = await handler(request('Create', properties));
    const updated = await handler(
      request('Update', {
        ...properties,
        tables: JSON.stringify([
          JSON.parse(properties.tables)[0],
          { table: added, ddl: `CREATE TABLE IF NOT EXISTS ${added} (id text PRIMARY KEY)` },
        ]),
      }),
    );
    // Assess
    expect(created).toEqual({
      PhysicalResourceId: `postgres/${server.hostname}`,
      Data: { user, tables: table },
    });
    expect(updated.Data).toEqual({ user, tables: `${table},${added}` });
    const grants = await admin.query(
      `SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) AS privileges
         FROM information_schema.role_table_grants WHERE grantee = $1 GROUP BY table_name ORDER BY table_name`,
      [user],
    );
    expect(grants.rows).toEqual(
      [table, added].sort().map((name) => ({ table_name: name, privileges: 'DELETE,INSERT,SELECT,UPDATE' })),
    );
    const role = await admin.query(
      'SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolpassword IS NOT NULL AS has_password FROM pg_authid WHERE rolname = $1',
      [user],
    );
    expect(role.rows).toEqual([
      { rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false, has_password: true },
    ]);
  });

  it('leaves the database as it is on Delete, and fails a request whose secret has no password', async () => {
    // Prepare
    const user = identifier('flows');
    const properties = await propertiesFor({ username: user }, '[]');
    // Act
    const deleted = await handler(request('Delete', properties));
    const failed = await handler(request('Create', properties)).catch((error: Error) => error);
    // Assess
    expect(deleted).toEqual({ PhysicalResourceId: 'postgres/127.0.0.1' });
    expect((failed as Error).message).toBe(`secret ${properties.flowSecretArn} has no username and password`);
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user])).rows).toEqual([]);
  });
});
