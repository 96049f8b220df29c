import type { LocalState } from '../services/state.ts';
import { localAccountId } from './messaging.ts';
import { flowUserUrl } from './postgres.ts';

/**
 * A local function's environment: the endpoint settings the shared clients read, and what the Lambda runtime
 * sets. The credentials are the local servers' placeholders, not secrets.
 */
export const functionEnvironment = (
  functionName: string,
  memoryMb: number,
  state: LocalState,
): Record<string, string> => {
  const need = (name: keyof LocalState) => {
    const endpoint = state[name]?.endpoint;
    if (!endpoint) throw new Error(`${name} is not running: start it with npm run servers -- up ${name}`);
    return endpoint;
  };
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: functionName,
    // Lambda's application log level, as a function set to DEBUG has it: the runner's report reads every batch's
    // summary line, which the handler logs at DEBUG (WARN with dead letters).
    AWS_LAMBDA_LOG_LEVEL: 'DEBUG',
    // The local runner, not Lambda: lets the OpenSearch client talk unsigned http to the local server.
    SLUICE_LOCAL: 'true',
    POWERTOOLS_METRICS_NAMESPACE: 'Sluice',
    SLUICE_KAFKA_BROKERS: need('kafka'),
    SLUICE_DYNAMODB_ENDPOINT: need('dynamodb'),
    SLUICE_S3_ENDPOINT: need('s3'),
    // moto's one server also holds the Glue Schema Registry that registry topics decode with.
    SLUICE_GLUE_ENDPOINT: need('s3'),
    SLUICE_OPENSEARCH_ENDPOINT: need('opensearch'),
    // The flows' own database user, with rights on their tables' rows only (provisionPostgres creates it).
    SLUICE_POSTGRES_URL: flowUserUrl(need('postgres')),
    // SQS, SNS and EventBridge outputs: moto too; a target named without an ARN is in moto's account.
    SLUICE_SQS_ENDPOINT: need('s3'),
    SLUICE_SNS_ENDPOINT: need('s3'),
    SLUICE_EVENTBRIDGE_ENDPOINT: need('s3'),
    SLUICE_ACCOUNT_ID: localAccountId,
  };
};
