import { ConfigError, RetriableError, SluiceError } from '../errors.ts';

const RETRIABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const RETRIABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * What a failed BatchGetItem means for the batch. Throttling, 5xx and network failures are retriable (the
 * mapping replays the batch). A missing table is a deployment mistake: a ConfigError naming the table, which
 * fails the batch loudly (the records stay in Kafka) rather than dead-lettering every record of every batch.
 * Anything else (access denied, a key that does not match the table's schema) is also a deployment mistake and
 * fails the batch, non-retriable.
 */
export const classifyDynamoDbError = (error: unknown, table: string): SluiceError => {
  if (error instanceof SluiceError) return error;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e?.$metadata?.httpStatusCode;
  const what = `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
  if (e?.name === 'ResourceNotFoundException') {
    return new ConfigError(
      `tables.${table}`,
      `DynamoDB table "${table}" does not exist (ResourceNotFoundException); create or deploy it — the batch fails so no record is lost`,
    );
  }
  if (
    RETRIABLE_NAMES.has(e?.name ?? '') ||
    RETRIABLE_CODES.has(e?.code ?? '') ||
    (status !== undefined && status >= 500) ||
    status === 429
  ) {
    return new RetriableError(`DynamoDB table "${table}": ${what}`, { cause: error });
  }
  return new SluiceError(`DynamoDB table "${table}": BatchGetItem failed: ${what}`, { cause: error });
};
