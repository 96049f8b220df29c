import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import type { OnFailureDestination } from './config.ts';
import type { FailureReason } from './deliver.ts';
import { type FetchedRecord, toEventRecord } from './event.ts';

export type SendToDestination = (records: readonly FetchedRecord[], reason: FailureReason) => Promise<void>;

/**
 * What AWS sends to an on-failure destination: a Kafka destination gets the records themselves; an S3
 * destination (locally: a folder) gets an invocation record with metadata and the payload.
 */
export const destinationSender = (
  destination: OnFailureDestination | undefined,
  functionName: string,
  producer: () => Promise<Producer>,
): SendToDestination => {
  if (!destination) {
    return async () => {
      throw new Error(`${functionName}: records left the retry loop with no on-failure destination`);
    };
  }
  if (destination.kind === 'topic') {
    return async (records) => {
      await (await producer()).send({
        topic: destination.topic,
        acks: -1,
        messages: records.map((r) => ({
          key: r.key,
          value: r.value,
          timestamp: String(r.timestamp),
          headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value ?? ''])),
        })),
      });
    };
  }
  return async (records, reason) => {
    const first = records[0] as FetchedRecord;
    const last = records[records.length - 1] as FetchedRecord;
    const timestamp = new Date().toISOString();
    const record = {
      requestContext: {
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
        condition: reason.condition,
        approximateInvokeCount: reason.attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp,
      KafkaBatchInfo: {
        batchSize: records.length,
        topic: first.topic,
        partition: first.partition,
        firstOffset: first.offset,
        lastOffset: last.offset,
        errorType: reason.errorType,
        errorMessage: reason.errorMessage,
      },
      payload: { records: { [`${first.topic}-${first.partition}`]: records.map(toEventRecord) } },
    };
    const dir = join(destination.path, first.topic, String(first.partition));
    mkdirSync(dir, { recursive: true });
    // Named by position, so a replay of the same failure overwrites rather than duplicates.
    writeFileSync(
      join(dir, `${String(first.offset).padStart(20, '0')}-${String(last.offset).padStart(20, '0')}.json`),
      `${JSON.stringify(record, null, 2)}\n`,
    );
  };
};
