import { join } from 'node:path';
import type { Flow } from '../../shared/topology/flow.ts';
import { effectiveRetries, type MappingConfig, type OnFailureDestination } from '../esm/config.ts';
import { localDir } from '../services/paths.ts';

/** Locally, an SQS, SNS or S3 on-failure destination becomes a folder holding what AWS would send there. */
const onFailureOf = (flow: Flow): OnFailureDestination | undefined => {
  const destination = flow.source.errorHandling.onFailure;
  if (!destination) return undefined;
  if ('kind' in destination) return { kind: 'topic', topic: destination.name };
  return { kind: 'folder', path: join(localDir, 'on-failure', flow.name) };
};

/** The emulated mapping's settings, taken from the same flow data the CDK app turns into the real one. */
export const mappingConfigOf = (flow: Flow): MappingConfig => {
  const { source } = flow;
  const onFailure = onFailureOf(flow);
  const retries = source.errorHandling.retryAttempts;
  const maxAge = source.errorHandling.maximumRecordAgeSeconds;
  return {
    functionName: flow.name,
    topic: source.topic.name,
    consumerGroup: source.consumerGroup,
    batchSize: source.batchSize,
    batchingWindowMs: source.batchingWindowMs,
    startingPosition: source.startingPosition,
    startingPositionTimestamp: source.startingPositionTimestamp,
    filterCriteria: source.pushdown?.pushable ? source.pushdown.criteria : undefined,
    maximumRetryAttempts: effectiveRetries(
      retries === -1 ? Number.POSITIVE_INFINITY : retries,
      onFailure !== undefined,
    ),
    maximumRecordAgeSeconds: maxAge === undefined || maxAge === -1 ? Number.POSITIVE_INFINITY : maxAge,
    splitBatchOnError: source.errorHandling.splitBatchOnError ?? false,
    reportBatchItemFailures: source.errorHandling.reportBatchItemFailures ?? false,
    onFailure,
    timeoutMs: flow.timeoutSeconds * 1000,
  };
};
