import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { localAwsConfig } from './aws-local.ts';
import { elasticmqLibs, localDir } from './paths.ts';
import { javaHome } from './prerequisites.ts';
import type { ServiceDefinition } from './service.ts';

const home = join(localDir, 'elasticmq');

/** In memory, on loopback, with SQS's own limits (256 KiB, 10 entries a batch) enforced. */
const config = (port: number) =>
  `${[
    'include classpath("application.conf")',
    `node-address { protocol = http, host = 127.0.0.1, port = ${port}, context-path = "" }`,
    `rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }`,
    'rest-stats { enabled = false }',
  ].join('\n')}\n`;

/**
 * ElasticMQ: an SQS-compatible server (Scala, from Maven Central), for the outputs benchmark's SQS key only:
 * moto's SQS spends ~10 ms a message and slows as a queue grows, which hides what batching saves. Not in the
 * default set of `up()`; the flows and tests use moto's SQS.
 */
export const elasticmq: ServiceDefinition = {
  name: 'elasticmq',
  portNames: ['http'],
  startTimeoutSeconds: 60,
  missing: () =>
    existsSync(elasticmqLibs)
      ? undefined
      : `ElasticMQ is not installed in ${elasticmqLibs}: run npm run setup`,
  async prepare(ports) {
    mkdirSync(home, { recursive: true });
    const file = join(home, 'elasticmq.conf');
    writeFileSync(file, config(ports.http as number));
    return {
      command: join(javaHome(), 'bin', 'java'),
      args: [
        '-Xmx256m',
        '-XX:+UseSerialGC',
        `-Dconfig.file=${file}`,
        '-cp',
        `${elasticmqLibs}/*`,
        'org.elasticmq.server.Main',
      ],
    };
  },
  endpoint: (ports) => `http://127.0.0.1:${ports.http}`,
  async isReady(endpoint) {
    const client = new SQSClient(localAwsConfig(endpoint));
    try {
      await client.send(new ListQueuesCommand({}));
      return true;
    } catch {
      return false;
    } finally {
      client.destroy();
    }
  },
};
