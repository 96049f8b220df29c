/**
 * The SQS, SNS and EventBridge keys of `npm run bench -- outputs`: each writer (SendMessageBatch, PublishBatch,
 * PutEvents, 10 entries a request) against the one moto server, side by side with a naive writer sending one
 * request per record (SendMessage, Publish, PutEvents of one entry) to the same server in the same run.
 */
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createEventBridgeWriter } from '../shared/outputs/eventbridge-writer.ts';
import type { Output } from '../shared/outputs/output.ts';
import { createSnsWriter } from '../shared/outputs/sns-writer.ts';
import { createSqsWriter } from '../shared/outputs/sqs-writer.ts';
import type { FlowRecord } from '../shared/record.ts';

/** What the outputs benchmark's own helpers provide (bench/outputs.ts). */
export interface MessagingBench {
  readonly records: (count: number, topic?: string) => FlowRecord[];
  readonly countRequests: (client: { middlewareStack: unknown }) => () => number;
  readonly measure: (
    count: number,
    requests: () => number,
    work: () => Promise<void>,
  ) => Promise<{ recordsPerSec: number; requestsPer1000: number }>;
  readonly writeBatches: (output: Output, all: readonly FlowRecord[], size: number) => Promise<void>;
  readonly run: string;
}

const local = (endpoint: string) =>
  ({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }) as const;
const retry = { baseMs: 50, maxDelayMs: 2_000, budgetMs: 30_000 };
const body = (record: FlowRecord) => JSON.stringify(record.value);

type Measured = { recordsPerSec: number; requestsPer1000: number };

/** Batched and naive figures for one key, the batched writer warmed up first (connections, queue URL). */
const compare = async (
  bench: MessagingBench,
  n: number,
  size: number,
  naiveN: number,
  requests: () => number,
  output: Output,
  sendOne: (record: FlowRecord) => Promise<unknown>,
): Promise<{ batched: Measured; naive: Measured }> => {
  await bench.writeBatches(output, bench.records(10, 'warmup'), 10);
  const batched = await bench.measure(n, requests, () => bench.writeBatches(output, bench.records(n), size));
  const sendEach = async (all: readonly FlowRecord[]) => {
    for (const record of all) await sendOne(record);
  };
  await sendEach(bench.records(10, 'warmup'));
  const naive = await bench.measure(naiveN, requests, () => sendEach(bench.records(naiveN)));
  return { batched, naive };
};

export const benchSqs = async (
  bench: MessagingBench,
  endpoint: string,
  _n: number,
  size: number,
  naiveN: number,
) => {
  const sqs = new SQSClient(local(endpoint));
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${bench.run}-queue` })))
    .QueueUrl as string;
  const naiveUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${bench.run}-queue-naive` })))
    .QueueUrl as string;
  const requests = bench.countRequests(sqs);
  const output = createSqsWriter({
    name: 'sqs',
    queueUrl,
    queueName: `${bench.run}-queue`,
    attributes: [],
    fifo: false,
    concurrency: 4,
    retry,
    client: () => sqs,
  });
  // moto's SQS sends slow down as a queue grows (seconds per batch at ~7,000 messages), so both writers send the
  // same number of records, each to its own queue.
  const result = await compare(bench, naiveN, size, naiveN, requests, output, (record) =>
    sqs.send(new SendMessageCommand({ QueueUrl: naiveUrl, MessageBody: body(record) })),
  );
  for (const url of [queueUrl, naiveUrl]) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  sqs.destroy();
  return result;
};

export const benchSns = async (
  bench: MessagingBench,
  endpoint: string,
  n: number,
  size: number,
  naiveN: number,
) => {
  const sns = new SNSClient(local(endpoint));
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${bench.run}-topic` }));
  const topicArn = TopicArn as string;
  const requests = bench.countRequests(sns);
  const output = createSnsWriter({
    name: 'sns',
    topicArn,
    topicName: `${bench.run}-topic`,
    attributes: [],
    fifo: false,
    concurrency: 4,
    retry,
    client: () => sns,
  });
  const result = await compare(bench, n, size, naiveN, requests, output, (record) =>
    sns.send(new PublishCommand({ TopicArn: topicArn, Message: body(record) })),
  );
  sns.destroy();
  return result;
};

export const benchEventBridge = async (
  bench: MessagingBench,
  endpoint: string,
  n: number,
  size: number,
  naiveN: number,
) => {
  const events = new EventBridgeClient(local(endpoint));
  const bus = `${bench.run}-bus`;
  await events.send(new CreateEventBusCommand({ Name: bus }));
  const requests = bench.countRequests(events);
  const output = createEventBridgeWriter({
    name: 'eventbridge',
    bus,
    busName: bus,
    source: 'sluice.bench',
    detailType: 'Review',
    concurrency: 4,
    retry,
    client: () => events,
  });
  const result = await compare(bench, n, size, naiveN, requests, output, (record) =>
    events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: 'sluice.bench',
            DetailType: 'Review',
            Detail: body(record),
            Time: new Date(record.source.timestamp),
          },
        ],
      }),
    ),
  );
  events.destroy();
  return result;
};
