import type { ServiceName } from '../../../local/services/state.ts';
import { isRetriable } from '../../../shared/errors.ts';
import type { OutputResult } from '../../../shared/outputs/output.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { endpoints } from '../../support/endpoints.ts';
import { startService, stopService } from '../../support/servers.ts';

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
    SLUICE_POSTGRES_URL: local.postgres.url,
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

/**
 * Stops a shared local server, waits, and starts it again. Starting is retried: another test run on this
 * machine may be starting the same server at the same moment (then ours finds it healthy and reuses it).
 */
export const bounce = async (name: ServiceName, downMs: number): Promise<void> => {
  await stopService(name);
  await sleep(downMs);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await startService(name);
      return;
    } catch (error) {
      if (attempt >= 4) throw error;
      await sleep(2_000);
    }
  }
};
