import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../shared/errors.ts';
import { toEventBridge } from '../../../shared/outputs/eventbridge.ts';
import type { OutputContext } from '../../../shared/outputs/output.ts';
import { toSns } from '../../../shared/outputs/sns.ts';
import { createSnsWriter } from '../../../shared/outputs/sns-writer.ts';
import { toSqs } from '../../../shared/outputs/sqs.ts';
import { createSqsWriter } from '../../../shared/outputs/sqs-writer.ts';
import type { FlowRecord } from '../../../shared/record.ts';
import { endpoints, localAws, uniqueName } from '../../support/endpoints.ts';
import { flowRecord } from '../../unit/outputs/records.ts';
import { useLocalServers } from './support.ts';

// SQS, SNS and EventBridge are all on the one moto server the project runs (its service is named s3).
useLocalServers();
const moto = endpoints().s3.endpoint;
Object.assign(process.env, {
  SLUICE_SQS_ENDPOINT: moto,
  SLUICE_SNS_ENDPOINT: moto,
  SLUICE_EVENTBRIDGE_ENDPOINT: moto,
  // moto's account: a topic named without an ARN is found in it.
  SLUICE_ACCOUNT_ID: '123456789012',
});
const sqs = new SQSClient(localAws(moto));
const sns = new SNSClient(localAws(moto));
const events = new EventBridgeClient(localAws(moto));
const context: OutputContext = { flowName: 'alerts-notify' };
const retry = { baseMs: 10, maxDelayMs: 50, budgetMs: 2_000 };

const createQueue = async (name: string): Promise<{ url: string; arn: string }> => {
  const fifo = name.endsWith('.fifo');
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}) }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
};

/** Everything in the queue: receives until a receive comes back empty. */
const drain = async (url: string): Promise<Message[]> => {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId'],
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
};

/** Alerts on partition 0 of reviews.alerts, from `from`, one customer of three each. */
const alerts = (
  from: number,
  count: number,
  fields: { headers?: Record<string, string> } = {},
): FlowRecord[] =>
  Array.from({ length: count }, (_, i) =>
    flowRecord({
      topic: 'reviews.alerts',
      offset: from + i,
      key: `r-${from + i}`,
      value: { reviewId: `r-${from + i}`, customerId: `c-${(from + i) % 3}`, rating: 1 },
      ...fields,
    }),
  );

const bodies = (messages: readonly Message[]) =>
  messages.map((m) => (JSON.parse(m.Body as string) as { reviewId: string }).reviewId).sort();

const throttled = () =>
  Object.assign(new Error('Rate exceeded (from the throttling fake)'), {
    name: 'Throttling',
    $metadata: { httpStatusCode: 400 },
  });

describe('toSqs on moto', () => {
  it('delivers every record once, with declared headers and lineage as attributes', async () => {
    // Prepare
    const name = uniqueName('alerts');
    const queue = await createQueue(name);
    const output = toSqs(name, { attributes: ['tenant'] }).create();
    // Act
    const result = await output.write(alerts(0, 25, { headers: { tenant: 'acme' } }), context);
    // Assess
    expect(result).toEqual({ written: 25, deadLetters: [] });
    const messages = await drain(queue.url);
    expect(bodies(messages)).toEqual(
      alerts(0, 25)
        .map((r) => r.key)
        .sort(),
    );
    expect(messages[0]?.MessageAttributes?.tenant?.StringValue).toBe('acme');
    expect(messages.map((m) => m.MessageAttributes?.['sluice.lineage']?.StringValue).sort()).toContain(
      'reviews.alerts/0@7',
    );
  });

  it('on a FIFO queue, groups by the declared field and a replayed batch is deduplicated by the queue', async () => {
    // Prepare
    const name = `${uniqueName('alerts')}.fifo`;
    const queue = await createQueue(name);
    const output = toSqs(name, { groupField: 'customerId' }).create();
    const batch = alerts(100, 12);
    // Act: the mapping delivers the batch, then replays it (a failed invocation elsewhere in the flow)
    await output.write(batch, context);
    await output.write(batch, context);
    // Assess
    const messages = await drain(queue.url);
    expect(messages).toHaveLength(12);
    const group = (m: Message) => m.Attributes?.MessageGroupId;
    expect(new Set(messages.map(group))).toEqual(new Set(['c-0', 'c-1', 'c-2']));
    const inGroup = messages
      .filter((m) => group(m) === 'c-1')
      .map((m) => JSON.parse(m.Body as string).reviewId);
    expect(inGroup).toEqual(['r-100', 'r-103', 'r-106', 'r-109']);
  });

  it('dead-letters a 300 KB message with the reason and delivers the rest of the batch', async () => {
    // Prepare
    const name = uniqueName('alerts');
    const queue = await createQueue(name);
    const big = flowRecord({
      topic: 'reviews.alerts',
      offset: 5,
      value: { reviewId: 'r-big', text: 'x'.repeat(300_000) },
    });
    const batch = [...alerts(0, 5), big, ...alerts(6, 4)];
    // Act
    const result = await toSqs(name).create().write(batch, context);
    // Assess
    expect(result.written).toBe(9);
    expect(result.deadLetters.map((d) => [d.record.source.offset, d.stage, d.component])).toEqual([
      [5, 'output', `sqs:${name}`],
    ]);
    expect(result.deadLetters[0]?.error.message).toMatch(/over the 262144-byte limit/);
    expect(await drain(queue.url)).toHaveLength(9);
  });

  it('sends entries failed for the service’s sake again and dead-letters those refused for their content', async () => {
    // Prepare: a fake in front of real moto answers, on its first call, entry 2 with InternalError and entry 3
    // with InvalidParameterValue (moto itself fails no entry)
    const name = uniqueName('alerts');
    const queue = await createQueue(name);
    let calls = 0;
    const entryFailureFake = {
      send: async (command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> => {
        calls += 1;
        if (calls > 1) return sqs.send(command);
        const entries = command.input.Entries ?? [];
        const answer = await sqs.send(
          new SendMessageBatchCommand({
            ...command.input,
            Entries: entries.filter((_, i) => i !== 2 && i !== 3),
          }),
        );
        return {
          ...answer,
          Failed: [
            { Id: entries[2]?.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' },
            {
              Id: entries[3]?.Id,
              SenderFault: true,
              Code: 'InvalidParameterValue',
              Message: 'bad attribute',
            },
          ],
        } as SendMessageBatchCommandOutput;
      },
    };
    const writer = createSqsWriter({
      name: `sqs:${name}`,
      queueUrl: queue.url,
      queueName: name,
      attributes: [],
      fifo: false,
      concurrency: 1,
      retry,
      client: () => entryFailureFake as unknown as SQSClient,
    });
    // Act
    const result = await writer.write(alerts(0, 6), context);
    // Assess
    expect(calls).toBe(2);
    expect(result.written).toBe(5);
    expect(result.deadLetters.map((d) => d.record.source.offset)).toEqual([3]);
    expect(result.deadLetters[0]?.error.message).toContain('InvalidParameterValue: bad attribute');
    expect(bodies(await drain(queue.url))).toEqual(['r-0', 'r-1', 'r-2', 'r-4', 'r-5']);
  });
});

describe('toSns on moto', () => {
  const subscribedQueue = async (topicName: string) => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({
        Name: topicName,
        ...(topicName.endsWith('.fifo') ? { Attributes: { FifoTopic: 'true' } } : {}),
      }),
    );
    const queue = await createQueue(`${uniqueName('notified')}${topicName.endsWith('.fifo') ? '.fifo' : ''}`);
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    return { topicArn: TopicArn as string, queue };
  };

  it('publishes every record to a topic by name; a subscribed queue receives them', async () => {
    // Prepare
    const name = uniqueName('alerts');
    const { queue } = await subscribedQueue(name);
    // Act
    const result = await toSns(name).create().write(alerts(0, 23), context);
    // Assess
    expect(result).toEqual({ written: 23, deadLetters: [] });
    expect(await drain(queue.url)).toHaveLength(23);
  });

  it('on a FIFO topic, a replayed batch reaches the subscribed FIFO queue once', async () => {
    // Prepare
    const name = `${uniqueName('alerts')}.fifo`;
    const { queue } = await subscribedQueue(name);
    const output = toSns(name, { groupField: 'customerId' }).create();
    // Act
    await output.write(alerts(0, 7), context);
    await output.write(alerts(0, 7), context);
    // Assess
    expect(await drain(queue.url)).toHaveLength(7);
  });

  it('retries when SNS throttles, then delivers every record (a throttling fake: moto cannot throttle)', async () => {
    // Prepare: the fake answers Throttling to its first 3 calls, then passes calls to moto
    const name = uniqueName('alerts');
    const { topicArn, queue } = await subscribedQueue(name);
    let calls = 0;
    const throttlingFake = {
      send: (command: never) => {
        calls += 1;
        return calls <= 3 ? Promise.reject(throttled()) : sns.send(command);
      },
    };
    const writer = createSnsWriter({
      name: `sns:${name}`,
      topicArn,
      topicName: name,
      attributes: [],
      fifo: false,
      concurrency: 1,
      retry,
      client: () => throttlingFake as unknown as SNSClient,
    });
    // Act
    const result = await writer.write(alerts(0, 4), context);
    // Assess
    expect(result).toEqual({ written: 4, deadLetters: [], throttled: 3 });
    expect(calls).toBe(4);
    expect(await drain(queue.url)).toHaveLength(4);
  });

  it('fails the batch, keeping its records, while throttling persists; the replay delivers them', async () => {
    // Prepare: the fake throttles every call until told to stop
    const name = uniqueName('alerts');
    const { topicArn, queue } = await subscribedQueue(name);
    let throttling = true;
    const throttlingFake = {
      send: (command: never) => (throttling ? Promise.reject(throttled()) : sns.send(command)),
    };
    const writer = createSnsWriter({
      name: `sns:${name}`,
      topicArn,
      topicName: name,
      attributes: [],
      fifo: false,
      concurrency: 1,
      retry: { ...retry, budgetMs: 200 },
      client: () => throttlingFake as unknown as SNSClient,
    });
    const batch = alerts(0, 4);
    // Act
    const failed = writer.write(batch, context).catch((error: unknown) => error);
    const error = await failed;
    throttling = false;
    const replay = await writer.write(batch, context);
    // Assess
    expect(error).toBeInstanceOf(RetriableError);
    expect(replay).toEqual({ written: 4, deadLetters: [] });
    expect(await drain(queue.url)).toHaveLength(4);
  });
});

describe('toEventBridge on moto', () => {
  it('puts each record on the bus as an event at its record time; a value that is no object is dead-lettered', async () => {
    // Prepare: a bus whose rule sends the flow's events to a queue
    const bus = uniqueName('reviews');
    const queue = await createQueue(uniqueName('events'));
    await events.send(new CreateEventBusCommand({ Name: bus }));
    await events.send(
      new PutRuleCommand({
        Name: 'alerts',
        EventBusName: bus,
        EventPattern: JSON.stringify({ source: ['sluice.reviews'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'alerts',
        EventBusName: bus,
        Targets: [{ Id: 'queue', Arn: queue.arn }],
      }),
    );
    const notObject = flowRecord({ topic: 'reviews.alerts', offset: 12, value: [1, 2] });
    // Act
    const result = await toEventBridge(bus, { source: 'sluice.reviews', detailType: 'ReviewAlert' })
      .create()
      .write([...alerts(0, 12), notObject], context);
    // Assess
    expect(result.written).toBe(12);
    expect(result.deadLetters.map((d) => d.error.message)).toEqual([
      'the event detail must be a JSON object',
    ]);
    const received = (await drain(queue.url)).map((m) => JSON.parse(m.Body as string));
    expect(received).toHaveLength(12);
    expect(received[0]).toMatchObject({
      source: 'sluice.reviews',
      'detail-type': 'ReviewAlert',
      time: '2025-01-02T03:04:05Z',
    });
    expect(received.map((e) => e.detail.reviewId).sort()).toEqual(
      alerts(0, 12)
        .map((r) => r.key)
        .sort(),
    );
  });

  it('fails the batch when the bus does not exist, dead-lettering nothing', async () => {
    await expect(
      toEventBridge(uniqueName('missing'), { source: 'sluice.reviews', detailType: 'ReviewAlert' })
        .create()
        .write(alerts(0, 2), context),
    ).rejects.toThrow(RetriableError);
  });
});
