import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { localAwsConfig } from './aws-local.ts';
import { pythonVenv } from './paths.ts';
import type { ServiceDefinition } from './service.ts';

const motoServer = join(pythonVenv, 'bin', 'moto_server');

/** moto's standalone server: an S3-compatible endpoint (with the SDK's default CRC32 checksums) from PyPI. */
export const s3: ServiceDefinition = {
  name: 's3',
  portNames: ['http'],
  startTimeoutSeconds: 60,
  missing: () =>
    existsSync(motoServer) ? undefined : `moto is not installed in ${pythonVenv}: run npm run setup`,
  async prepare(ports) {
    return { command: motoServer, args: ['-H', '127.0.0.1', '-p', String(ports.http)] };
  },
  endpoint: (ports) => `http://127.0.0.1:${ports.http}`,
  async isReady(endpoint) {
    const client = new S3Client({ ...localAwsConfig(endpoint), forcePathStyle: true });
    try {
      await client.send(new ListBucketsCommand({}));
      return true;
    } catch {
      return false;
    } finally {
      client.destroy();
    }
  },
};
