import { describe, expect, it } from 'vitest';
import { localFailedBatchesBucket } from '../../../local/esm/failed-batches.ts';
import { mappingConfigOf } from '../../../local/runner/mapping-config.ts';
import { toTopic } from '../../../shared/outputs/topic.ts';
import {
  defineFlow,
  defineTopics,
  defineTopology,
  type FlowOptions,
} from '../../../shared/topology/index.ts';

const topics = defineTopics({
  raw: { name: 'reviews.raw', format: 'json', partitions: 3 },
  failed: { name: 'reviews.raw.failed', format: 'bytes', partitions: 1 },
  clean: { name: 'reviews.clean', format: 'json', partitions: 3 },
  dlq: { name: 'reviews.dlq', format: 'bytes', partitions: 1 },
});
const s3Endpoint = 'http://127.0.0.1:9999';
const configOf = (source: Partial<FlowOptions['source']>) => {
  const flow = defineFlow({
    name: 'flow',
    source: { topic: topics.raw, ...source },
    outputs: [toTopic(topics.clean)],
    deadLetter: toTopic(topics.dlq),
  });
  return mappingConfigOf(flow, defineTopology({ topics, flows: [flow] }), s3Endpoint);
};

describe('the emulated mapping sends failed batches where the deployed one does', () => {
  it('puts an on-demand flow’s failed batches into the local failed-batches bucket, after 10 retries as AWS does', () => {
    const config = configOf({});

    expect(config.onFailure).toEqual({ kind: 's3', bucket: localFailedBatchesBucket, endpoint: s3Endpoint });
    expect(config.maximumRetryAttempts).toBe(10);
  });

  it('sends a bounded provisioned flow’s failed records to <source>.failed, capping infinite retries at 10', () => {
    const config = configOf({
      provisionedPollers: { minimum: 1, maximum: 2 },
      errorHandling: { retryAttempts: -1, maximumRecordAgeSeconds: 600, splitBatchOnError: true },
    });

    expect(config.onFailure).toEqual({ kind: 'topic', topic: 'reviews.raw.failed' });
    expect(config.maximumRetryAttempts).toBe(10);
  });

  it('writes an S3 ARN’s bucket in the local S3 server, and SQS metadata to a folder', () => {
    const s3 = configOf({ errorHandling: { onFailure: { arn: 'arn:aws:s3:::my-failures' } } });
    const sqs = configOf({ errorHandling: { onFailure: { arn: 'arn:aws:sqs:eu-west-1:123456789012:q' } } });

    expect(s3.onFailure).toEqual({ kind: 's3', bucket: 'my-failures', endpoint: s3Endpoint });
    expect(sqs.onFailure).toMatchObject({ kind: 'folder' });
  });
});
