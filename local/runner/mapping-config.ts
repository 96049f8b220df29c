import { join } from 'node:path';
import type { Flow } from '../../shared/topology/flow.ts';
import { failureDestinationOf } from '../../shared/topology/on-failure.ts';
import type { Topology } from '../../shared/topology/topology.ts';
import { effectiveRetries, type MappingConfig, type OnFailureDestination } from '../esm/config.ts';
import { localFailedBatchesBucket } from '../esm/failed-batches.ts';
import { localDir } from '../services/paths.ts';

/**
 * The flow's on-failure destination as the CDK app resolves it, in the local servers: the failed-batches bucket
 * (or an S3 ARN's bucket) in the local S3 server, a topic on the local cluster, and for SQS or SNS a folder under
 * `.local/on-failure/<flow>/` holding the metadata AWS would send.
 */
const onFailureOf = (flow: Flow, topology: Topology, s3Endpoint: string): OnFailureDestination => {
  const destination = failureDestinationOf(flow, topology);
  if (destination.kind === 'topic') return { kind: 'topic', topic: destination.topic };
  if (destination.kind === 'failed-batches')
    return { kind: 's3', bucket: localFailedBatchesBucket, endpoint: s3Endpoint };
  const [, , service, , , resource] = destination.arn.split(':');
  if (service === 's3') return { kind: 's3', bucket: resource ?? '', endpoint: s3Endpoint };
  return { kind: 'folder', path: join(localDir, 'on-failure', flow.name) };
};

/** The emulated mapping's settings, taken from the same flow data the CDK app turns into the real one. */
export const mappingConfigOf = (flow: Flow, topology: Topology, s3Endpoint: string): MappingConfig => {
  const { source } = flow;
  const onFailure = onFailureOf(flow, topology, s3Endpoint);
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
    // Every flow has a destination (the default keeps the records): AWS then caps retries, infinite included, at 10.
    maximumRetryAttempts: effectiveRetries(retries === -1 ? undefined : retries, true),
    maximumRecordAgeSeconds: maxAge === undefined || maxAge === -1 ? Number.POSITIVE_INFINITY : maxAge,
    splitBatchOnError: source.errorHandling.splitBatchOnError ?? false,
    reportBatchItemFailures: source.errorHandling.reportBatchItemFailures ?? false,
    onFailure,
    timeoutMs: flow.timeoutSeconds * 1000,
  };
};
