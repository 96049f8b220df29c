import type { FilterCriteria } from '../../shared/filter/index.ts';

/** What one emulated Kafka event-source mapping needs: the AWS settings, resolved to concrete values. */
export interface MappingConfig {
  readonly functionName: string;
  readonly topic: string;
  readonly consumerGroup: string;
  /** AWS default for Kafka sources: 100. */
  readonly batchSize: number;
  /** AWS default for Kafka sources: 500 ms. */
  readonly batchingWindowMs: number;
  readonly startingPosition: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  /** Epoch milliseconds, with AT_TIMESTAMP. */
  readonly startingPositionTimestamp?: number;
  /** Records matching none of its patterns never reach the function; their offsets still advance. */
  readonly filterCriteria?: FilterCriteria;
  /** Retries after the first attempt; Infinity retries forever (AWS default without an on-failure destination). */
  readonly maximumRetryAttempts: number;
  /** Records older than this are not retried any more; Infinity disables the check. */
  readonly maximumRecordAgeSeconds: number;
  readonly splitBatchOnError: boolean;
  readonly reportBatchItemFailures: boolean;
  /** Where a batch goes once retries are exhausted; without one the partition retries forever. */
  readonly onFailure?: OnFailureDestination;
  /** Invocation timeout, as the function's configured timeout. */
  readonly timeoutMs: number;
}

/**
 * A topic on the cluster; a bucket in the local S3 server (`endpoint`); or, for SQS and SNS, a folder holding the
 * metadata records AWS would send there.
 */
export type OnFailureDestination =
  | { readonly kind: 'topic'; readonly topic: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly endpoint: string }
  | { readonly kind: 'folder'; readonly path: string };

/** AWS rules for defaults: retry forever, unless an on-failure destination is set, then up to 10 times. */
export const effectiveRetries = (configured: number | undefined, hasDestination: boolean): number =>
  configured ?? (hasDestination ? 10 : Number.POSITIVE_INFINITY);
