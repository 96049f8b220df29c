import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import type { OnFailureDestination } from './config.ts';
import type { FailureReason } from './deliver.ts';
import { buildEvent, type EventSourceIdentity, type FetchedRecord } from './event.ts';
import { failedBatchKey } from './failed-batches.ts';

export type SendToDestination = (records: readonly FetchedRecord[], reason: FailureReason) => Promise<void>;

export interface DestinationPorts {
  /** The mapping's producer, for a Kafka destination. */
  producer(): Promise<Producer>;
  /** Writes one object to the local S3 server, for an S3 destination. */
  putObject(bucket: string, key: string, body: string): Promise<void>;
}

export interface MappingIdentity extends EventSourceIdentity {
  readonly functionName: string;
  /** The mapping's UUID, which AWS puts in an S3 destination's object keys. */
  readonly mappingUuid: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The fields every invocation record starts with (AWS's "SNS and SQS example invocation record"). */
const recordHead = (identity: MappingIdentity, reason: FailureReason) => ({
  requestContext: {
    requestId: randomUUID(),
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${identity.functionName}`,
    condition: reason.condition,
    approximateInvokeCount: reason.attempts,
  },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: new Date().toISOString(),
});

const sourceOf = (identity: MappingIdentity) => ({
  ...(identity.clusterArn ? { eventSourceArn: identity.clusterArn } : {}),
  bootstrapServers: identity.bootstrapServers,
});

/** Metadata of a failed batch of one partition; S3 adds the whole event as a JSON string under `payload`. */
export const invocationRecord = (
  identity: MappingIdentity,
  records: readonly FetchedRecord[],
  reason: FailureReason,
  withPayload: boolean,
) => {
  const first = records[0] as FetchedRecord;
  const last = records[records.length - 1] as FetchedRecord;
  const payload = JSON.stringify(buildEvent(identity, records));
  return {
    ...recordHead(identity, reason),
    KafkaBatchInfo: {
      batchSize: records.length,
      ...sourceOf(identity),
      payloadSize: Buffer.byteLength(payload),
      recordsInfo: {
        [`${first.topic}-${first.partition}`]: {
          firstRecordOffset: String(first.offset),
          lastRecordOffset: String(last.offset),
          firstRecordTimestamp: iso(first.timestamp),
          lastRecordTimestamp: iso(last.timestamp),
        },
      },
    },
    ...(withPayload ? { payload } : {}),
  };
};

/** One message of a Kafka destination: the failure metadata with the record itself as a one-record event. */
export const failedRecordMessage = (
  identity: MappingIdentity,
  record: FetchedRecord,
  reason: FailureReason,
) => {
  const payload = buildEvent(identity, [record]);
  return {
    ...recordHead(identity, reason),
    KafkaBatchInfo: {
      batchSize: 1,
      ...sourceOf(identity),
      payloadSize: Buffer.byteLength(JSON.stringify(payload)),
      recordInfo: { offset: String(record.offset), timestamp: iso(record.timestamp) },
    },
    payload,
  };
};

/**
 * What AWS sends to an on-failure destination, to the same place:
 * - a Kafka topic: one message per failed record, keyed by the record's key, valued by the failure metadata
 *   with the record inside (AWS's "Record format for a Kafka destination");
 * - S3: one object per failed batch under AWS's key layout, the invocation record with the whole event as a
 *   JSON string in `payload`;
 * - SQS/SNS (locally a folder): the invocation record without the records, as AWS sends it.
 */
export const destinationSender = (
  destination: OnFailureDestination | undefined,
  identity: MappingIdentity,
  ports: DestinationPorts,
): SendToDestination => {
  if (!destination) {
    return async () => {
      throw new Error(`${identity.functionName}: records left the retry loop with no on-failure destination`);
    };
  }
  if (destination.kind === 'topic') {
    return async (records, reason) => {
      await (await ports.producer()).send({
        topic: destination.topic,
        acks: -1,
        messages: records.map((r) => ({
          key: r.key,
          value: JSON.stringify(failedRecordMessage(identity, r, reason)),
        })),
      });
    };
  }
  if (destination.kind === 's3') {
    return async (records, reason) => {
      const first = records[0] as FetchedRecord;
      const key = failedBatchKey(identity.mappingUuid, first.topic, first.partition, new Date());
      await ports.putObject(
        destination.bucket,
        key,
        JSON.stringify(invocationRecord(identity, records, reason, true)),
      );
    };
  }
  return async (records, reason) => {
    const first = records[0] as FetchedRecord;
    const last = records[records.length - 1] as FetchedRecord;
    const dir = join(destination.path, first.topic, String(first.partition));
    mkdirSync(dir, { recursive: true });
    // Named by position, so a replay of the same failure overwrites rather than duplicates.
    writeFileSync(
      join(dir, `${String(first.offset).padStart(20, '0')}-${String(last.offset).padStart(20, '0')}.json`),
      `${JSON.stringify(invocationRecord(identity, records, reason, false), null, 2)}\n`,
    );
  };
};
