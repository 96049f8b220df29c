import type { Flow } from './flow.ts';
import { isTopicRef, type TopicRef } from './resources.ts';

/**
 * Where a flow's mapping sends a batch it gives up on, once resolved:
 * - `failed-batches`: the app's failed-batches bucket (S3 keeps the whole invocation record, records included);
 * - `topic`: a topic on the same cluster (provisioned mode; one message per failed record);
 * - `arn`: an SQS, SNS or S3 destination the flow names itself (SQS and SNS get metadata only).
 */
export type FailureDestination =
  | { readonly kind: 'failed-batches' }
  | { readonly kind: 'topic'; readonly topic: string }
  | { readonly kind: 'arn'; readonly arn: string };

/** The topic a provisioned flow's failed records go to by default, when the topology declares it. */
export const failedTopicName = (sourceTopic: string): string => `${sourceTopic}.failed`;

/**
 * The flow's own `errorHandling.onFailure` when set. Otherwise a destination that keeps the records: the topic
 * `<source>.failed` for a provisioned flow that bounds its retries (`retryAttempts`, `maximumRecordAgeSeconds`,
 * `splitBatchOnError`) when the topology declares that topic, else the failed-batches bucket. Never SQS or SNS
 * by default: they receive metadata only, and the records would be skipped.
 */
export const failureDestinationOf = (
  flow: Flow,
  topology: { topic(name: string): TopicRef | undefined },
): FailureDestination => {
  const { errorHandling: eh, provisionedPollers, topic } = flow.source;
  const explicit = eh.onFailure;
  if (explicit)
    return isTopicRef(explicit)
      ? { kind: 'topic', topic: explicit.name }
      : { kind: 'arn', arn: explicit.arn };
  const bounded =
    provisionedPollers !== undefined &&
    eh.retryAttempts !== undefined &&
    eh.maximumRecordAgeSeconds !== undefined &&
    eh.splitBatchOnError === true;
  const failed = topology.topic(failedTopicName(topic.name));
  return bounded && failed ? { kind: 'topic', topic: failed.name } : { kind: 'failed-batches' };
};
