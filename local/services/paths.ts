import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the project lives, where fetched distributions go (.servers) and where run state goes (.local). */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const serversDir = join(projectRoot, '.servers');
export const localDir = join(projectRoot, '.local');
export const logsDir = join(localDir, 'logs');
export const stateFile = join(localDir, 'state.json');

/** Versions fetched by `npm run setup`; they must match local/servers/pom.xml and elasticmq-pom.xml. */
export const versions = {
  kafka: '4.1.1',
  opensearch: '2.19.6',
  moto: '5.2.5',
  cfnLint: '1.58.0',
  lambdaNode: '24.21.0',
  elasticmq: '1.6.14',
} as const;

export const kafkaLibs = join(serversDir, `kafka-${versions.kafka}`, 'libs');
export const opensearchHome = join(serversDir, `opensearch-${versions.opensearch}`);
export const pythonVenv = join(serversDir, 'venv');
export const elasticmqLibs = join(serversDir, `elasticmq-${versions.elasticmq}`, 'lib');
