import { isRetriable } from '../../../shared/errors.ts';
import type { OutputResult } from '../../../shared/outputs/output.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { endpoints } from '../../support/endpoints.ts';

/** Points the outputs' own clients (built from the environment, as in Lambda) at the local servers. */
export const useLocalServers = (): void => {
  const local = endpoints();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    SLUICE_KAFKA_BROKERS: local.kafka.brokers.join(','),
    SLUICE_S3_ENDPOINT: local.s3.endpoint,
    SLUICE_DYNAMODB_ENDPOINT: local.dynamodb.endpoint,
    SLUICE_OPENSEARCH_ENDPOINT: local.opensearch.endpoint,
  });
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Delivery {
  /** Attempts per batch (1 = written first time). */
  readonly attempts: number[];
  readonly failures: unknown[];
  readonly results: OutputResult[];
}

/**
 * What the event-source mapping does: each batch is written, and a batch whose write throws a retriable error is
 * written again (the same records) until it succeeds. `between` runs after each successful batch.
 */
export const deliver = async (
  batches: readonly (readonly FlowRecord[])[],
  write: (records: readonly FlowRecord[]) => Promise<OutputResult>,
  options: { between?: (index: number) => Promise<void>; retryEveryMs?: number; giveUpAfterMs?: number } = {},
): Promise<Delivery> => {
  const attempts: number[] = [];
  const failures: unknown[] = [];
  const results: OutputResult[] = [];
  for (const [index, batch] of batches.entries()) {
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      try {
        results.push(await write(batch));
        attempts.push(attempt);
        break;
      } catch (error) {
        if (!isRetriable(error)) throw error;
        failures.push(error);
        if (Date.now() - started > (options.giveUpAfterMs ?? 120_000)) throw error;
        await sleep(options.retryEveryMs ?? 500);
      }
    }
    await options.between?.(index);
  }
  return { attempts, failures, results };
};
