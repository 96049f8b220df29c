/**
 * The SQS, SNS and EventBridge keys of `npm run bench -- outputs`: each writer (SendMessageBatch, PublishBatch,
 * PutEvents, 10 entries a request) against its local server (moto; SQS also on ElasticMQ), side by side with a naive writer sending one
 * request per record (SendMessage, Publish, PutEvents of one entry) to the same server in the same run.
 */
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
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

/** Records a round sends to one fresh queue: no queue grows past it (moto's SQS slows as a queue grows). */
const SQS_ROUND = 1_000;

/**
 * Times `count` records in rounds of at most SQS_ROUND, each round to a queue created for it and deleted after
 * it, both outside the timing; requests are counted inside the timing only. The batched and the naive writer
 * are measured this same way, on the same server.
 */
const sqsRounds = async (
  bench: MessagingBench,
  sqs: SQSClient,
  requests: () => number,
  prefix: string,
  count: number,
  send: (queueUrl: string, queueName: string, records: readonly FlowRecord[]) => Promise<void>,
): Promise<Measured> => {
  let seconds = 0;
  let sent = 0;
  for (let done = 0, round = 0; done < count; done += SQS_ROUND, round++) {
    const queueName = `${prefix}-${round}`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const records = bench.records(Math.min(SQS_ROUND, count - done));
    const before = requests();
    const started = process.hrtime.bigint();
    await send(QueueUrl as string, queueName, records);
    seconds += Number(process.hrtime.bigint() - started) / 1e9;
    sent += requests() - before;
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  }
  return { recordsPerSec: count / seconds, requestsPer1000: (sent * 1000) / count };
};

/**
 * SQS on one server (ElasticMQ or moto): the batched writer and one SendMessage per record, each in rounds to
 * fresh queues (sqsRounds), after a warm-up round of 10 each.
 */
export const benchSqs = async (
  bench: MessagingBench,
  endpoint: string,
  n: number,
  size: number,
  naiveN: number,
  server: string,
) => {
  const sqs = new SQSClient(local(endpoint));
  const requests = bench.countRequests(sqs);
  const batchedSend = async (queueUrl: string, queueName: string, records: readonly FlowRecord[]) =>
    bench.writeBatches(
      createSqsWriter({
        name: 'sqs',
        queueUrl,
        queueName,
        attributes: [],
        fifo: false,
        concurrency: 4,
        retry,
        client: () => sqs,
      }),
      records,
      size,
    );
  const naiveSend = async (queueUrl: string, _name: string, records: readonly FlowRecord[]) => {
    for (const record of records)
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body(record) }));
  };
  const prefix = `${bench.run}-${server}`;
  await sqsRounds(bench, sqs, requests, `${prefix}-warm-batched`, 10, batchedSend);
  const batched = await sqsRounds(bench, sqs, requests, `${prefix}-batched`, n, batchedSend);
  await sqsRounds(bench, sqs, requests, `${prefix}-warm-naive`, 10, naiveSend);
  const naive = await sqsRounds(bench, sqs, requests, `${prefix}-naive`, naiveN, naiveSend);
  sqs.destroy();
  return { batched, naive };
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
