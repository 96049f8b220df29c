import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localAwsConfig } from './aws-local.ts';
import type { ServiceDefinition } from './service.ts';

/**
 * dynalite: a DynamoDB API implementation in Node.js, in memory. DynamoDB Local is not used because its
 * licence is the vendor's own terms, not an open-source licence.
 */
export const dynamodb: ServiceDefinition = {
  name: 'dynamodb',
  portNames: ['http'],
  startTimeoutSeconds: 30,
  missing: () => {
    try {
      createRequire(import.meta.url).resolve('dynalite');
      return undefined;
    } catch {
      return 'dynalite is not installed: run npm run setup';
    }
  },
  async prepare(ports) {
    return {
      command: process.execPath,
      args: [fileURLToPath(new URL('./dynalite-main.cjs', import.meta.url)), String(ports.http)],
    };
  },
  endpoint: (ports) => `http://127.0.0.1:${ports.http}`,
  async isReady(endpoint) {
    const client = new DynamoDBClient(localAwsConfig(endpoint));
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return true;
    } catch {
      return false;
    } finally {
      client.destroy();
    }
  },
};
